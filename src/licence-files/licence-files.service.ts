import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createSigner } from 'fast-jwt';
import type { AuditLog } from '../audit/audit.repo.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { deriveKey } from '../core/keys.js';
import { openSecret, sealSecret } from '../core/secret-box.js';
import type { Db } from '../db/database.js';
import { licenceClaims, MAX_FILE_LIFETIME_SECONDS, type ClaimsInput } from './licence-file.claims.js';
import type { JsonWebKeySet } from './licence-file.verify.js';
import type { SigningKeysRepo } from './signing-keys.repo.js';

/** Another process may rotate: the current key is re-read at most this often. */
const CURRENT_KEY_TTL_MS = 5_000;
/** A retired key stays published for the longest file life, plus the other processes' cache and clock skew. */
const RETIRED_KEY_MARGIN_MS = 60 * 60_000;

interface SigningKey {
  kid: string;
  /** Signs the claims as given (their iat is kept): a compact JWS, EdDSA, with the key's kid. */
  sign: (claims: Record<string, unknown>) => string;
}

export interface IssuedFile {
  token: string;
  kid: string;
  issuedAt: Date;
  expiresAt: Date;
}

/**
 * Signs licence files with the current Ed25519 key (made on first use, race-safe across processes), publishes
 * the keys, and rotates them while the portal runs: files signed with a retired key keep verifying until they
 * expire, and the key leaves the JWKS after that.
 */
export function createLicenceFiles(deps: { db: Db; clock: Clock; audit: AuditLog; keys: SigningKeysRepo; secretKey: string; issuer: string }) {
  const sealingKey = deriveKey(deps.secretKey, 'licence-signing-keys');
  let cached: { key: SigningKey; checkedAt: number } | undefined;

  function newKeyRow(now: Date) {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const kid = `${now.toISOString().slice(0, 10)}-${randomBytes(6).toString('hex')}`;
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'EdDSA', use: 'sig' };
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    return { kid, public_jwk: jwk, private_key_sealed: sealSecret(sealingKey, pem, kid), created_at: now };
  }

  async function currentKey(): Promise<SigningKey> {
    const now = deps.clock.now().getTime();
    if (cached !== undefined && now - cached.checkedAt < CURRENT_KEY_TTL_MS) return cached.key;
    const kid = await deps.keys.currentKid();
    if (cached !== undefined && kid === cached.key.kid) {
      cached.checkedAt = now;
      return cached.key;
    }
    let row = await deps.keys.current();
    if (row === undefined) {
      // The first file ever: whichever process inserts first wins, the others read its key.
      await deps.keys.insertIfNoCurrent(newKeyRow(deps.clock.now()));
      row = await deps.keys.current();
      if (row === undefined) throw new Error('No current signing key after creating one.');
    }
    const key = { kid: row.kid, sign: createSigner({ key: openSecret(sealingKey, row.private_key_sealed, row.kid), algorithm: 'EdDSA', kid: row.kid }) };
    cached = { key, checkedAt: now };
    return key;
  }

  return {
    async issue(input: Omit<ClaimsInput, 'issuer' | 'now' | 'licence'> & { licence: { id: string; aws_account_id: string; plan: string; seats: number; status: string; starts_at: Date; ends_at: Date | null } }): Promise<IssuedFile> {
      const { licence } = input;
      const built = licenceClaims({
        issuer: deps.issuer,
        now: deps.clock.now(),
        instanceId: input.instanceId,
        activationId: input.activationId,
        graceSeconds: input.graceSeconds,
        licence: { id: licence.id, awsAccountId: licence.aws_account_id, plan: licence.plan, seats: licence.seats, status: licence.status, startsAt: licence.starts_at, endsAt: licence.ends_at },
      });
      if (!built.ok) throw new AppError('licence_file_unavailable', built.detail, 409);
      const key = await currentKey();
      const token = key.sign({ ...built.claims });
      return { token, kid: key.kid, issuedAt: new Date(built.claims.iat * 1000), expiresAt: new Date(built.claims.exp * 1000) };
    },

    /** The public keys a verifier needs (RFC 7517), newest first. */
    async jwks(): Promise<JsonWebKeySet> {
      const rows = await deps.keys.published(deps.clock.now());
      return { keys: rows.map((r) => r.public_jwk as JsonWebKeySet['keys'][number]) };
    },

    /** A new signing key from now on; the old one stays published until every file it signed has expired. */
    async rotate(actor: string): Promise<{ kid: string; retired: { kid: string; publishedUntil: Date } | undefined }> {
      const now = deps.clock.now();
      const result = await deps.db.transaction().execute(async (trx) => {
        const old = await deps.keys.lockCurrent(trx);
        const publishedUntil = new Date(now.getTime() + MAX_FILE_LIFETIME_SECONDS * 1000 + RETIRED_KEY_MARGIN_MS);
        if (old !== undefined) await deps.keys.retire(old.kid, now, publishedUntil, trx);
        const row = newKeyRow(now);
        if (!(await deps.keys.insertIfNoCurrent(row, trx))) throw new Error('Another signing key became current during the rotation.');
        const retired = old === undefined ? undefined : { kid: old.kid, publishedUntil };
        await deps.audit.record({ event: 'signing_key.rotated', actor, details: { kid: row.kid, retiredKid: retired?.kid ?? null, retiredPublishedUntil: retired?.publishedUntil.toISOString() ?? null } }, trx);
        return { kid: row.kid, retired };
      });
      cached = undefined;
      return result;
    },
  };
}

export type LicenceFiles = ReturnType<typeof createLicenceFiles>;
