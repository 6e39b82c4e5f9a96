import { randomInt } from 'node:crypto';
import { passwordProblems, type PasswordContext } from './password.policy.js';

/**
 * Characters a customer reads from an email and types, so none that look alike in common fonts
 * (I/l/1, O/o/0, quotes, punctuation that reads as the end of a sentence) and none that need escaping.
 */
export const ONE_TIME_PASSWORD_CLASSES = {
  upper: 'ABCDEFGHJKLMNPQRSTUVWXYZ',
  lower: 'abcdefghijkmnpqrstuvwxyz',
  digit: '23456789',
  special: '!#%*+=?@',
} as const;

export const ONE_TIME_PASSWORD_ALPHABET = Object.values(ONE_TIME_PASSWORD_CLASSES).join('');
export const ONE_TIME_PASSWORD_LENGTH = 16;

/** Draws an integer in [0, max) from the operating system's CSPRNG (no modulo bias). */
export type RandomIndex = (max: number) => number;
const secureIndex: RandomIndex = (max) => randomInt(max);

function pick(chars: string, random: RandomIndex): string {
  return chars.charAt(random(chars.length));
}

/** One character of each class, the rest from the whole alphabet, shuffled (Fisher–Yates). About 95 bits. */
function drawCandidate(length: number, random: RandomIndex): string {
  const chars = Object.values(ONE_TIME_PASSWORD_CLASSES).map((set) => pick(set, random));
  while (chars.length < length) chars.push(pick(ONE_TIME_PASSWORD_ALPHABET, random));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = random(i + 1);
    [chars[i], chars[j]] = [chars[j] ?? '', chars[i] ?? ''];
  }
  return chars.join('');
}

/**
 * A random password that satisfies the password policy for this account (checked, not assumed: a
 * draw that the policy refuses, however unlikely, is replaced by a new one).
 */
export function generateOneTimePassword(context: PasswordContext, options: { length?: number; random?: RandomIndex } = {}): string {
  const length = options.length ?? ONE_TIME_PASSWORD_LENGTH;
  const random = options.random ?? secureIndex;
  if (length < Object.keys(ONE_TIME_PASSWORD_CLASSES).length) throw new RangeError(`A one-time password needs at least one character of each class; length ${length} is too short.`);
  for (let attempt = 0; attempt < 20; attempt++) {
    const candidate = drawCandidate(length, random);
    if (passwordProblems(candidate, context).length === 0) return candidate;
  }
  throw new Error('Could not generate a one-time password that meets the password policy.');
}
