import { AppError } from '../core/errors.js';
import { createLicenceFileVerifier, type JsonWebKeySet } from '../licence-files/licence-file.verify.js';

export type FileCheck = { ok: true; expiresAt: Date; kid: string } | { ok: false; detail: string };

/** A JWKS from a file path or an http(s) URL. */
export async function readKeySet(source: string): Promise<JsonWebKeySet> {
  const fromUrl = /^https?:\/\//.test(source);
  try {
    const text = fromUrl ? await fetch(source, { signal: AbortSignal.timeout(10_000) }).then(async (r) => (r.ok ? r.text() : Promise.reject(new Error(`HTTP ${r.status}`)))) : await (await import('node:fs/promises')).readFile(source, 'utf8');
    const parsed = JSON.parse(text) as JsonWebKeySet;
    if (!Array.isArray(parsed.keys)) throw new Error('it has no "keys" array');
    return parsed;
  } catch (error) {
    throw new AppError('keys_unreadable', `The keys at ${source} cannot be read as a JWKS: ${error instanceof Error ? error.message : String(error)}`, 1);
  }
}

/** Verifies a licence file offline against the portal's published keys (fetched once, as an instance caches them). */
export async function verifyWithPortalKeys(file: string, portalUrl: string, instanceId: string | undefined): Promise<FileCheck> {
  const keys = await readKeySet(`${portalUrl.replace(/\/+$/, '')}/.well-known/jwks.json`);
  const result = createLicenceFileVerifier(keys).verify(file, { now: new Date(), ...(instanceId === undefined ? {} : { instanceId }) });
  return result.ok ? { ok: true, expiresAt: new Date(result.claims.exp * 1000), kid: result.kid } : { ok: false, detail: result.detail };
}
