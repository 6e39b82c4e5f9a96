import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { formatSecretForManualEntry, matchTotpStep, newTotpSecret, otpauthUri, totpCodeAt } from './totp.js';

// RFC 6238 appendix B, SHA-1 rows: the 20-byte ASCII key "12345678901234567890", 8 digits in the RFC;
// our codes are the last 6 of those (the truncation is the same modulo 10^6).
const RFC_SECRET = Secret.fromLatin1('12345678901234567890').base32;
const RFC_VECTORS: [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

test('RFC 6238 SHA-1 test vectors', () => {
  for (const [seconds, expected] of RFC_VECTORS) {
    assert.equal(totpCodeAt(RFC_SECRET, new Date(seconds * 1000)), expected.slice(-6), `T=${seconds}`);
    // And the 8-digit form with the same library settings, to tie our wrapper to the RFC's table exactly.
    const eight = new TOTP({ algorithm: 'SHA1', digits: 8, period: 30, secret: Secret.fromBase32(RFC_SECRET) }).generate({ timestamp: seconds * 1000 });
    assert.equal(eight, expected);
  }
});

test('a code matches its own step and one step either side, nothing further', () => {
  const secret = newTotpSecret();
  const now = new Date(1_700_000_000_000);
  const step = Math.floor(now.getTime() / 30_000);
  assert.equal(matchTotpStep(secret, totpCodeAt(secret, now), now), step);
  assert.equal(matchTotpStep(secret, totpCodeAt(secret, new Date(now.getTime() - 30_000)), now), step - 1);
  assert.equal(matchTotpStep(secret, totpCodeAt(secret, new Date(now.getTime() + 30_000)), now), step + 1);
  assert.equal(matchTotpStep(secret, totpCodeAt(secret, new Date(now.getTime() - 60_000)), now), undefined);
  assert.equal(matchTotpStep(secret, totpCodeAt(secret, new Date(now.getTime() + 60_000)), now), undefined);
});

test('codes with spaces are accepted; anything but 6 digits is not', () => {
  const secret = newTotpSecret();
  const now = new Date(1_700_000_000_000);
  const code = totpCodeAt(secret, now);
  assert.notEqual(matchTotpStep(secret, `${code.slice(0, 3)} ${code.slice(3)}`, now), undefined);
  for (const bad of ['', '12345', '1234567', 'abcdef', `${code}0`]) assert.equal(matchTotpStep(secret, bad, now), undefined, bad);
});

test('the otpauth URI names the issuer and the account, with the fixed parameters', () => {
  const secret = newTotpSecret();
  const uri = new URL(otpauthUri(secret, '123456789012'));
  assert.equal(uri.protocol, 'otpauth:');
  assert.equal(uri.host, 'totp');
  assert.equal(decodeURIComponent(uri.pathname), '/WebStream:123456789012');
  assert.equal(uri.searchParams.get('issuer'), 'WebStream');
  assert.equal(uri.searchParams.get('secret'), secret);
  assert.equal(uri.searchParams.get('algorithm'), 'SHA1');
  assert.equal(uri.searchParams.get('digits'), '6');
  assert.equal(uri.searchParams.get('period'), '30');
});

test('secrets are 160 bits and shown in groups of four', () => {
  const secret = newTotpSecret();
  assert.equal(Secret.fromBase32(secret).bytes.length, 20);
  assert.match(formatSecretForManualEntry('ABCDEFGHIJKLMNOP'), /^ABCD EFGH IJKL MNOP$/);
});
