import { Secret, TOTP } from 'otpauth';

/** RFC 6238 as the design fixes it: SHA-1, 6 digits, 30-second steps, one step of clock drift either way. */
const PERIOD_SECONDS = 30;
const WINDOW_STEPS = 1;

export function newTotpSecret(): string {
  // 160 bits, the size RFC 4226 recommends for HMAC-SHA-1.
  return new Secret({ size: 20 }).base32;
}

function totp(secretBase32: string, awsAccountId: string): TOTP {
  return new TOTP({ issuer: 'WebStream', label: awsAccountId, algorithm: 'SHA1', digits: 6, period: PERIOD_SECONDS, secret: Secret.fromBase32(secretBase32) });
}

/** The otpauth:// URI an authenticator app scans: issuer "WebStream", label with the AWS account ID. */
export function otpauthUri(secretBase32: string, awsAccountId: string): string {
  return totp(secretBase32, awsAccountId).toString();
}

/** The code for a moment (tests, and the RFC vectors). */
export function totpCodeAt(secretBase32: string, at: Date): string {
  return totp(secretBase32, 'x').generate({ timestamp: at.getTime() });
}

/**
 * Checks a code against the steps around `now`. Returns the time step it belongs to, so the caller can
 * refuse a step at or before the last one accepted (a code is good once); undefined when it matches none.
 */
export function matchTotpStep(secretBase32: string, code: string, now: Date): number | undefined {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return undefined;
  const t = totp(secretBase32, 'x');
  const delta = t.validate({ token, timestamp: now.getTime(), window: WINDOW_STEPS });
  return delta === null ? undefined : t.counter({ timestamp: now.getTime() }) + delta;
}

/** Groups of four, for typing the key by hand. */
export function formatSecretForManualEntry(secretBase32: string): string {
  return secretBase32.replace(/=+$/, '').replace(/(.{4})/g, '$1 ').trim();
}
