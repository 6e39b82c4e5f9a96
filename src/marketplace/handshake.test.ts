import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashToken } from '../core/tokens.js';
import { HANDSHAKE_LIFETIME_MS, signHandshake, verifyHandshake } from './handshake.js';

const key = Buffer.alloc(32, 7);
const otherKey = Buffer.alloc(32, 8);
const now = new Date('2026-03-01T12:00:00Z');
const subscriptionId = '0b7f3c1e-9a41-4c55-8d7e-2f6a1b3c4d5e';

test('a fresh handshake verifies and carries its subscription, nonce and expiry', () => {
  const { value, claims } = signHandshake(key, subscriptionId, now);
  const checked = verifyHandshake(key, value, now);
  assert.ok(checked.ok);
  assert.equal(checked.claims.subscriptionId, subscriptionId);
  assert.equal(checked.claims.nonce, claims.nonce);
  assert.equal(checked.claims.expiresAt.getTime(), now.getTime() + HANDSHAKE_LIFETIME_MS);
  assert.match(claims.nonce, /^[A-Za-z0-9_-]{43}$/, '256 random bits');
  assert.notEqual(signHandshake(key, subscriptionId, now).claims.nonce, claims.nonce);
});

test('it expires after 15 minutes', () => {
  const { value } = signHandshake(key, subscriptionId, now);
  assert.ok(verifyHandshake(key, value, new Date(now.getTime() + HANDSHAKE_LIFETIME_MS - 1000)).ok);
  assert.deepEqual(verifyHandshake(key, value, new Date(now.getTime() + HANDSHAKE_LIFETIME_MS)), { ok: false, reason: 'expired' });
});

test('tampering with any part, or another key, breaks the signature', () => {
  const { value } = signHandshake(key, subscriptionId, now);
  const [id = '', expiry = '', nonce = '', mac = ''] = value.split('.');
  const flip = (text: string) => (text.startsWith('a') ? `b${text.slice(1)}` : `a${text.slice(1)}`);
  const forged = [
    [`1${id.slice(1)}`, expiry, nonce, mac], // another subscription
    [id, String(Number(expiry) + 3600), nonce, mac], // a longer life
    [id, expiry, flip(nonce), mac],
    [id, expiry, nonce, flip(mac)],
  ];
  for (const parts of forged) assert.deepEqual(verifyHandshake(key, parts.join('.'), now), { ok: false, reason: 'bad_signature' }, parts.join('.'));
  assert.deepEqual(verifyHandshake(otherKey, value, now), { ok: false, reason: 'bad_signature' });
});

test('malformed values are refused before any crypto', () => {
  for (const value of ['', 'x', 'a.b.c.d', `${subscriptionId}.1.2`, `${subscriptionId}.notanumber.${'a'.repeat(43)}.${'b'.repeat(43)}`, `NOT-A-UUID.1.${'a'.repeat(43)}.${'b'.repeat(43)}`]) {
    assert.deepEqual(verifyHandshake(key, value, now), { ok: false, reason: 'malformed' }, value);
  }
});

test('the database key is a hash of the nonce, never the nonce', () => {
  const { value, claims } = signHandshake(key, subscriptionId, now);
  assert.match(hashToken(claims.nonce), /^[0-9a-f]{64}$/);
  // The nonce is the value's third part: what the link service hashes to find the row (the HTTP journey test checks the stored hash).
  assert.equal(value.split('.')[2], claims.nonce);
});
