import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { createVerifier } from 'fast-jwt';
import { isLicenceClaims, type LicenceClaims } from './licence-file.claims.js';

/**
 * Offline verification of a licence file, as a WebStream instance does it (and `webstream-portal licence
 * verify`): the signature against a published key set, then the claims against the clock and the instance.
 * Every refusal says why, in a code and a sentence.
 */
export interface JsonWebKeySet {
  keys: (JsonWebKey & { kid?: string; alg?: string; use?: string })[];
}

export type VerifyFailure = 'malformed' | 'unknown_key' | 'bad_signature' | 'wrong_issuer' | 'clock_behind_issue_time' | 'not_yet_valid' | 'expired' | 'other_instance';

export type FileVerdict = { ok: true; claims: LicenceClaims; kid: string } | { ok: false; reason: VerifyFailure; detail: string };

export interface VerifyOptions {
  now: Date;
  /** The instance the file must be for; omitted: any. */
  instanceId?: string;
  /** The portal it must come from; omitted: any issuer whose key is in the set. */
  issuer?: string;
  /** Clock difference tolerated between the portal and the instance. */
  skewSeconds?: number;
}

const refuse = (reason: VerifyFailure, detail: string): FileVerdict => ({ ok: false, reason, detail });
const when = (s: number) => new Date(s * 1000).toISOString();

type SignatureCheck = (token: string) => unknown;

/** The protected header, read before the signature check only to pick the key. */
function protectedHeader(token: string): { alg?: unknown; kid?: unknown } | undefined {
  const segments = token.split('.');
  if (segments.length !== 3) return undefined;
  try {
    const header: unknown = JSON.parse(Buffer.from(segments[0] ?? '', 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null ? header : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Keys are imported once per key set: a verification then costs the signature check and the JSON. fast-jwt
 * checks the signature with node:crypto directly (jose on Node 20 goes through WebCrypto, about half the
 * speed: bench/run.ts); the times are checked here, to say which one failed and allow for clock skew.
 */
export function createLicenceFileVerifier(keySet: JsonWebKeySet) {
  const checks = new Map<string, SignatureCheck>();
  for (const jwk of keySet.keys) {
    if (typeof jwk.kid !== 'string' || jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') continue;
    const pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ format: 'pem', type: 'spki' }).toString();
    checks.set(jwk.kid, createVerifier({ key: pem, algorithms: ['EdDSA'], ignoreExpiration: true, ignoreNotBefore: true, cache: false }));
  }
  return {
    verify(file: string, options: VerifyOptions): FileVerdict {
      const token = file.trim();
      const header = protectedHeader(token);
      if (header === undefined) return refuse('malformed', 'This is not a licence file (not a compact JWS).');
      if (header.alg !== 'EdDSA') return refuse('malformed', `The file is signed with ${String(header.alg)}, not EdDSA.`);
      const kid = header.kid;
      const check = typeof kid === 'string' ? checks.get(kid) : undefined;
      if (check === undefined) return refuse('unknown_key', `The file was signed by key ${String(kid)}, which the key set does not hold: fetch the portal's current keys.`);
      let claims: unknown;
      try {
        claims = check(token);
      } catch (error) {
        const code = (error as { code?: string }).code;
        return code === 'FAST_JWT_INVALID_SIGNATURE' ? refuse('bad_signature', 'The signature does not match: the file was altered or not signed by this portal.') : refuse('malformed', 'The file cannot be read as a signed licence.');
      }
      if (!isLicenceClaims(claims)) return refuse('malformed', 'The signed content is not a licence.');
      if (options.issuer !== undefined && claims.iss !== options.issuer) return refuse('wrong_issuer', `The file comes from ${claims.iss}, not ${options.issuer}.`);
      const now = options.now.getTime() / 1000;
      const skew = options.skewSeconds ?? 300;
      if (now < claims.iat - skew) return refuse('clock_behind_issue_time', `This machine's clock (${options.now.toISOString()}) is behind the time the file was issued (${when(claims.iat)}): set the clock right.`);
      if (now < claims.nbf - skew) return refuse('not_yet_valid', `The file is valid from ${when(claims.nbf)}.`);
      if (now >= claims.exp) return refuse('expired', `The file expired at ${when(claims.exp)}: send a heartbeat or activate again for a fresh one.`);
      if (options.instanceId !== undefined && claims.instance_id !== options.instanceId) return refuse('other_instance', `The file is for instance ${claims.instance_id}, not ${options.instanceId}.`);
      return { ok: true, claims, kid: kid as string };
    },
  };
}
