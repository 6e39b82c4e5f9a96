import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { hashCode, looksLikeRecoveryCode, newEmailCode, newRecoveryCodes, normaliseRecoveryCode } from './codes.js';
import { openSecret, sealSecret } from '../core/secret-box.js';

test('emailed codes are 6 digits', () => {
  for (let i = 0; i < 200; i++) assert.match(newEmailCode(), /^\d{6}$/);
});

test('recovery codes: 10 distinct, readable, accepted however they are typed', () => {
  const codes = newRecoveryCodes();
  assert.equal(codes.length, 10);
  assert.equal(new Set(codes).size, 10);
  for (const code of codes) {
    assert.match(code, /^[a-hj-km-np-z2-9]{5}-[a-hj-km-np-z2-9]{5}$/);
    assert.equal(normaliseRecoveryCode(code.toUpperCase().replace('-', ' ')), code.replace('-', ''));
  }
  assert.equal(normaliseRecoveryCode('short'), undefined);
  assert.equal(looksLikeRecoveryCode('123456'), false);
  assert.equal(looksLikeRecoveryCode(codes[0] ?? ''), true);
});

test('code hashes depend on the key and the scope', () => {
  const key = randomBytes(32);
  assert.equal(hashCode(key, 'a', '123456'), hashCode(key, 'a', '123456'));
  assert.notEqual(hashCode(key, 'a', '123456'), hashCode(key, 'b', '123456'));
  assert.notEqual(hashCode(key, 'a', '123456'), hashCode(randomBytes(32), 'a', '123456'));
});

test('sealed secrets open only with the same key and binding, and detect tampering', () => {
  const key = randomBytes(32);
  const sealed = sealSecret(key, 'JBSWY3DPEHPK3PXP', 'account-1');
  assert.ok(!sealed.includes('JBSWY3DPEHPK3PXP'));
  assert.equal(openSecret(key, sealed, 'account-1'), 'JBSWY3DPEHPK3PXP');
  assert.throws(() => openSecret(key, sealed, 'account-2'));
  assert.throws(() => openSecret(randomBytes(32), sealed, 'account-1'));
  const parts = sealed.split('.');
  const ct = Buffer.from(parts[3] ?? '', 'base64url');
  ct[0] = (ct[0] ?? 0) ^ 1;
  assert.throws(() => openSecret(key, [parts[0], parts[1], parts[2], ct.toString('base64url')].join('.'), 'account-1'));
  assert.notEqual(sealSecret(key, 'same', 'account-1'), sealSecret(key, 'same', 'account-1'));
});
