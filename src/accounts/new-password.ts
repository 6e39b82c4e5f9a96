import type { AccountsRepo } from './accounts.repo.js';
import type { PasswordHasher } from './password.hasher.js';
import { passwordProblems } from './password.policy.js';

/** A new password may not be any of the account's last 3. */
export const PASSWORD_HISTORY_DEPTH = 3;

export const PASSWORDS_DO_NOT_MATCH = 'The two passwords do not match.';

export interface NewPasswordProblems {
  /** Every rule the new password breaks (empty: acceptable). */
  password: string[];
  /** The confirmation does not match. */
  confirm: string[];
}

/**
 * Everything wrong with a new password for an existing account (reset, change, forced change): the
 * rules, then (only if those pass: each check costs an argon2id verification) the last passwords.
 * `checkHistory` false skips the history: it tells whether a password was used, so it is only for a user
 * who has proven who they are.
 */
export async function newPasswordProblems(
  deps: { hasher: PasswordHasher; accounts: Pick<AccountsRepo, 'recentPasswordHashes'> },
  account: { id: string; aws_account_id: string; email: string },
  password: string,
  confirm: string,
  checkHistory = true,
): Promise<NewPasswordProblems> {
  const problems = passwordProblems(password, { accountId: account.aws_account_id, email: account.email });
  if (checkHistory && problems.length === 0) {
    for (const previous of await deps.accounts.recentPasswordHashes(account.id, PASSWORD_HISTORY_DEPTH)) {
      if (await deps.hasher.verify(previous, password)) {
        problems.push(`Choose a password you have not used recently (not one of your last ${PASSWORD_HISTORY_DEPTH}).`);
        break;
      }
    }
  }
  return { password: problems, confirm: password === confirm ? [] : [PASSWORDS_DO_NOT_MATCH] };
}
