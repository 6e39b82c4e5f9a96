import { createHmac, timingSafeEqual } from 'node:crypto';
import { generateToken } from '../core/tokens.js';
import { SUBSCRIPTION_ID } from './subscription.rules.js';

/**
 * The landing-to-link handshake as a pure value: `<subscription id>.<expiry, epoch s>.<nonce>.<HMAC>`.
 * The HMAC (key derived from SECRET_KEY) makes a tampered value fail before any database lookup; the
 * database row (keyed by the nonce's hash, `hashToken` like every bearer secret) makes it single use. It never holds the Marketplace token.
 */
export const HANDSHAKE_LIFETIME_MS = 15 * 60 * 1000;

export interface HandshakeClaims {
  subscriptionId: string;
  expiresAt: Date;
  nonce: string;
}

export type HandshakeCheck = { ok: true; claims: HandshakeClaims } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

const NONCE = /^[A-Za-z0-9_-]{43}$/;
const MAC = /^[A-Za-z0-9_-]{43}$/;

function mac(key: Buffer, subscriptionId: string, expiresAtSeconds: number, nonce: string): Buffer {
  return createHmac('sha256', key).update(`marketplace-link.v1|${subscriptionId}|${expiresAtSeconds}|${nonce}`).digest();
}

export function signHandshake(key: Buffer, subscriptionId: string, now: Date, nonce = generateToken()): { value: string; claims: HandshakeClaims } {
  const expiresAtSeconds = Math.floor((now.getTime() + HANDSHAKE_LIFETIME_MS) / 1000);
  const value = `${subscriptionId}.${expiresAtSeconds}.${nonce}.${mac(key, subscriptionId, expiresAtSeconds, nonce).toString('base64url')}`;
  return { value, claims: { subscriptionId, expiresAt: new Date(expiresAtSeconds * 1000), nonce } };
}

/** Checks the shape, the signature (in constant time) and the expiry; single use is the database's job. */
export function verifyHandshake(key: Buffer, value: string, now: Date): HandshakeCheck {
  const parts = value.split('.');
  if (parts.length !== 4) return { ok: false, reason: 'malformed' };
  const [subscriptionId = '', expiry = '', nonce = '', signature = ''] = parts;
  if (!SUBSCRIPTION_ID.test(subscriptionId) || !/^\d{1,12}$/.test(expiry) || !NONCE.test(nonce) || !MAC.test(signature)) return { ok: false, reason: 'malformed' };
  const expected = mac(key, subscriptionId, Number(expiry), nonce);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };
  const expiresAt = new Date(Number(expiry) * 1000);
  if (expiresAt <= now) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { subscriptionId, expiresAt, nonce } };
}
