import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { createSigner } from 'fast-jwt';
import { licenceClaims, MAX_FILE_LIFETIME_SECONDS, type ClaimsInput, type LicenceClaims } from './licence-file.claims.js';
import { createLicenceFileVerifier, type JsonWebKeySet } from './licence-file.verify.js';

const now = new Date('2026-06-01T12:00:00Z');
const DAY = 86_400_000;
const input = (endsAt: Date | null): ClaimsInput => ({
  issuer: 'https://licences.example.com',
  licence: { id: 'lic-1', awsAccountId: '123456789012', plan: 'standard', seats: 3, status: 'active', startsAt: new Date(now.getTime() - DAY), endsAt },
  instanceId: 'i-0123456789abcdef0',
  activationId: 'act-1',
  now,
  graceSeconds: 7 * 86_400,
});
const claimsOf = (endsAt: Date | null): LicenceClaims => {
  const built = licenceClaims(input(endsAt));
  assert.ok(built.ok);
  return built.claims;
};

test('a licence file lives 30 days at most, never past the end of the licence plus its grace period', () => {
  const open = claimsOf(null);
  assert.equal(open.exp - open.iat, MAX_FILE_LIFETIME_SECONDS);
  assert.deepEqual([open.iss, open.sub, open.aws_account_id, open.seats, open.instance_id, open.activation_id, open.ends_at], ['https://licences.example.com', 'lic-1', '123456789012', 3, 'i-0123456789abcdef0', 'act-1', null]);
  assert.equal(open.nbf, open.iat);
  const endsSoon = claimsOf(new Date(now.getTime() + 2 * DAY));
  assert.equal(endsSoon.exp, Math.floor(now.getTime() / 1000) + 9 * 86_400, 'end + 7 days of grace');
  const inGrace = claimsOf(new Date(now.getTime() - 6 * DAY));
  assert.equal(inGrace.exp, Math.floor(now.getTime() / 1000) + 86_400);
  const over = licenceClaims(input(new Date(now.getTime() - 8 * DAY)));
  assert.equal(over.ok, false);
});

function keyPair(kid: string) {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'EdDSA', use: 'sig' } as JsonWebKeySet['keys'][number] };
}
const current = keyPair('k-current');
const stranger = keyPair('k-stranger');
const sign = (claims: object, key = current, kid = key.jwk.kid ?? '') => createSigner({ key: key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), algorithm: 'EdDSA', kid })({ ...claims });
const verifier = createLicenceFileVerifier({ keys: [current.jwk] });

test('offline verification says why a file is not valid', () => {
  const claims = claimsOf(null);
  const file = sign(claims);
  const at = (ms: number) => new Date(now.getTime() + ms);
  const reason = (token: string, options: { now?: Date; instanceId?: string; issuer?: string } = {}) => {
    const verdict = verifier.verify(token, { now: options.now ?? at(1000), ...options });
    return verdict.ok ? 'ok' : verdict.reason;
  };
  assert.equal(reason(file, { instanceId: 'i-0123456789abcdef0', issuer: 'https://licences.example.com' }), 'ok');
  assert.equal(reason(file, { instanceId: 'i-0fffffffffffffff0' }), 'other_instance');
  assert.equal(reason(file, { issuer: 'https://elsewhere.example' }), 'wrong_issuer');
  assert.equal(reason(file, { now: at(MAX_FILE_LIFETIME_SECONDS * 1000) }), 'expired');
  assert.equal(reason(file, { now: at(-3_600_000) }), 'clock_behind_issue_time');
  assert.equal(reason(sign({ ...claims, nbf: claims.iat + 86_400 }), { now: at(60_000) }), 'not_yet_valid');
  assert.equal(reason(sign(claims, stranger)), 'unknown_key');
  assert.equal(reason(sign(claims, stranger, 'k-current')), 'bad_signature');
  const [header, , signature] = file.split('.');
  const forged = Buffer.from(JSON.stringify({ ...claims, seats: 1000 })).toString('base64url');
  assert.equal(reason(`${header ?? ''}.${forged}.${signature ?? ''}`), 'bad_signature');
  assert.equal(reason('not a licence file'), 'malformed');
  assert.equal(reason(sign({ hello: 'world' })), 'malformed');
  // A header naming another algorithm (e.g. none, or an HMAC keyed with the public key) is refused before any check.
  const payload = file.split('.')[1] ?? '';
  for (const alg of ['none', 'HS256', 'RS256']) {
    const other = Buffer.from(JSON.stringify({ alg, kid: 'k-current', typ: 'JWT' })).toString('base64url');
    assert.equal(reason(`${other}.${payload}.${signature ?? ''}`), 'malformed', alg);
  }
  assert.equal(reason(`${header ?? ''}.${payload}`), 'malformed', 'two segments');
});
