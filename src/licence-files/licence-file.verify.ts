import { compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { isLicenceClaims, type LicenceClaims } from './licence-file.claims.js';

/**
 * Offline verification of a licence file, as a WebStream instance does it (and `webstream-portal licence
 * verify`): the signature against a published key set, then the claims against the clock and the instance.
 * Every refusal says why, in a code and a sentence.
 */
export interface JsonWebKeySet {
  keys: (JWK & { kid?: string })[];
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

/** Keys are imported once per key set: a verification then costs the signature check and the JSON. */
export function createLicenceFileVerifier(keySet: JsonWebKeySet) {
  const keys = new Map<string, ReturnType<typeof importJWK>>();
  for (const jwk of keySet.keys) {
    if (typeof jwk.kid === 'string' && jwk.kty === 'OKP' && jwk.crv === 'Ed25519') keys.set(jwk.kid, importJWK({ ...jwk, alg: 'EdDSA' }, 'EdDSA'));
  }
  return {
    async verify(file: string, options: VerifyOptions): Promise<FileVerdict> {
      const token = file.trim();
      let kid: unknown;
      try {
        const header = decodeProtectedHeader(token);
        if (header.alg !== 'EdDSA') return refuse('malformed', `The file is signed with ${String(header.alg)}, not EdDSA.`);
        kid = header.kid;
      } catch {
        return refuse('malformed', 'This is not a licence file (not a compact JWS).');
      }
      const key = typeof kid === 'string' ? keys.get(kid) : undefined;
      if (key === undefined) return refuse('unknown_key', `The file was signed by key ${String(kid)}, which the key set does not hold: fetch the portal's current keys.`);
      let payload: Uint8Array;
      try {
        ({ payload } = await compactVerify(token, await key, { algorithms: ['EdDSA'] }));
      } catch (error) {
        const code = (error as { code?: string }).code;
        return code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' ? refuse('bad_signature', 'The signature does not match: the file was altered or not signed by this portal.') : refuse('malformed', 'The file cannot be read as a signed licence.');
      }
      let claims: unknown;
      try {
        claims = JSON.parse(new TextDecoder().decode(payload));
      } catch {
        return refuse('malformed', 'The signed content is not JSON.');
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
