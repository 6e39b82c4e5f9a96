/** Parsers for command-line option values: each returns the value or throws commander's InvalidArgumentError. */
import { InvalidArgumentError } from 'commander';
import { normaliseAccountId } from '../core/account-id.js';
import { emailProblem } from '../accounts/email.js';
import { isHttpUrl } from '../config/config.js';

export function parseAccountIdOption(value: string): string {
  const result = normaliseAccountId(value);
  if (!result.ok) throw new InvalidArgumentError(result.message);
  return result.accountId;
}

/** An email address, checked as the portal's forms check it; surrounding spaces dropped. */
export function parseEmailOption(value: string): string {
  const problem = emailProblem(value);
  if (problem !== undefined) throw new InvalidArgumentError(problem);
  return value.trim();
}

/** Digits only (no sign, exponent or fraction), within min..max; `expected` completes "Expected …". */
function parseWholeNumber(min: number, max: number, expected: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`Expected ${expected}.`);
    return n;
  };
}

export function parsePositiveInteger(max: number) {
  return parseWholeNumber(1, max, `a whole number from 1 to ${max}`);
}

/** A TCP port; with a minimum of 0, port 0 asks for any free port. */
export function parsePort(min: 0 | 1) {
  return parseWholeNumber(min, 65_535, min === 0 ? 'a port number from 0 to 65535 (0: any free port)' : 'a port number from 1 to 65535');
}

/** An http:// or https:// URL, without trailing slashes. */
export function parseHttpUrl(value: string): string {
  if (!isHttpUrl(value)) throw new InvalidArgumentError('Expected an http:// or https:// URL.');
  return value.replace(/\/+$/, '');
}
