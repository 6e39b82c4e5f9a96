import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

/** The rules shown beside every new-password field, before the user types. */
export const PASSWORD_RULES: readonly string[] = [
  `${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`,
  'an uppercase letter, a lowercase letter, a digit and a special character (such as ! ? # %)',
  'not a commonly used or easily guessed password',
  'must not contain your AWS account ID',
];

const estimator = new ZxcvbnFactory({
  dictionary: { ...common.dictionary },
  graphs: common.adjacencyGraphs,
});

const commonPasswords = new Set(common.dictionary['passwords-common'].map((p) => p.toLowerCase()));

export interface PasswordContext {
  accountId: string;
  email?: string | undefined;
}

/**
 * Every rule the password breaks, in the order the rules are listed (empty means acceptable).
 * Pure: history ("not one of your last 3 passwords") needs hashes and is checked by the caller.
 */
export function passwordProblems(password: string, context: PasswordContext): string[] {
  const problems: string[] = [];
  if (password.length < PASSWORD_MIN_LENGTH) problems.push(`Use at least ${PASSWORD_MIN_LENGTH} characters.`);
  if (password.length > PASSWORD_MAX_LENGTH) problems.push(`Use at most ${PASSWORD_MAX_LENGTH} characters.`);
  if (!/\p{Lu}/u.test(password)) problems.push('Add an uppercase letter.');
  if (!/\p{Ll}/u.test(password)) problems.push('Add a lowercase letter.');
  if (!/\p{Nd}/u.test(password)) problems.push('Add a digit.');
  if (!/[^\p{L}\p{Nd}]/u.test(password)) problems.push('Add a special character, such as ! ? # or %.');
  if (password.length <= PASSWORD_MAX_LENGTH && isEasilyGuessed(password, context)) {
    problems.push('This password is commonly used or easy to guess. Choose something less predictable.');
  }
  if (context.accountId !== '' && password.replace(/[\s-]/g, '').includes(context.accountId)) {
    problems.push('Do not include your AWS account ID in the password.');
  }
  return problems;
}

function isEasilyGuessed(password: string, context: PasswordContext): boolean {
  if (commonPasswords.has(password.toLowerCase())) return true;
  // zxcvbn score 3+ means "safely unguessable" (over 10^8 guesses); below that, patterns such as
  // "Password1!" or "Qwerty123!" are found in seconds by any cracking tool.
  const userInputs = [context.accountId, ...(context.email ? [context.email, context.email.split('@')[0] ?? ''] : [])];
  return estimator.check(password, userInputs).score < 3;
}
