import { createHmac, randomInt } from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;
/** No 0/o, 1/l/i: codes are read off paper. 10 characters of 31 ≈ 50 bits each. */
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** A 6-digit emailed code, uniformly random. */
export function newEmailCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = Array.from({ length: 10 }, () => RECOVERY_ALPHABET[randomInt(0, RECOVERY_ALPHABET.length)]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/** What the user may type for a recovery code: any case, with or without the dash or spaces. */
export function normaliseRecoveryCode(input: string): string | undefined {
  const compact = input.toLowerCase().replace(/[\s-]/g, '');
  return /^[a-z0-9]{10}$/.test(compact) ? compact : undefined;
}

export function looksLikeRecoveryCode(input: string): boolean {
  return normaliseRecoveryCode(input) !== undefined && !/^\d+$/.test(input.replace(/[\s-]/g, ''));
}

/**
 * Codes are stored only as keyed hashes (HMAC with a key derived from SECRET_KEY): a database copy alone
 * does not let anyone try the small space of 6-digit codes offline.
 */
export function hashCode(key: Buffer, scope: string, code: string): string {
  return createHmac('sha256', key).update(`${scope}\0${code}`).digest('hex');
}
