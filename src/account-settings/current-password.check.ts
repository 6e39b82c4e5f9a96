import type { PasswordHasher } from '../accounts/password.hasher.js';
import type { AuditLog } from '../audit/audit.repo.js';
import type { Clock } from '../config/clock.js';
import type { Db } from '../db/database.js';
import { ACCOUNT_POLICY, ADDRESS_POLICY } from '../sessions/throttle.policy.js';
import { beginAttempt, settleSuccessfulAttempt } from '../sessions/throttle.repo.js';

export type CurrentPasswordResult = { ok: true } | { ok: false; message: string; locked: boolean };

export const WRONG_CURRENT_PASSWORD = 'Your current password is not correct.';

export function tooManyAttemptsMessage(retryAt: Date, now: Date): string {
  const seconds = Math.max(1, Math.ceil((retryAt.getTime() - now.getTime()) / 1000));
  const wait = seconds < 90 ? `${seconds} second${seconds === 1 ? '' : 's'}` : `${Math.ceil(seconds / 60)} minutes`;
  return `Too many wrong passwords. For your security, please wait ${wait} before trying again.`;
}

/**
 * Re-authentication for sensitive changes in Settings. Throttled like sign-in (counted before the
 * check, with the same backoff) on its own per-account key and the shared per-address key, so a stolen
 * session cannot be used to guess the password. While locked, the password is not checked at all.
 */
export function createCurrentPasswordCheck(deps: { db: Db; clock: Clock; hasher: PasswordHasher; audit: AuditLog }) {
  return async function checkCurrentPassword(
    account: { id: string; aws_account_id: string; password_hash: string },
    password: string,
    client: { ip: string },
    purpose: 'change_password' | 'change_email',
  ): Promise<CurrentPasswordResult> {
    const accountKey = `password-check:${account.id}`;
    const addressKey = { key: `address:${client.ip}`, policy: ADDRESS_POLICY };
    const attempt = await beginAttempt(deps.db, [{ key: accountKey, policy: ACCOUNT_POLICY }, addressKey], deps.clock.now());
    const audit = (reason: string) =>
      deps.audit.record({ event: 'account.password_check_failed', actor: `account:${account.aws_account_id}`, awsAccountId: account.aws_account_id, ip: client.ip, details: { purpose, reason } });
    if (!attempt.allowed) {
      await audit('locked_out');
      return { ok: false, locked: true, message: tooManyAttemptsMessage(attempt.retryAt, deps.clock.now()) };
    }
    if (password === '' || !(await deps.hasher.verify(account.password_hash, password))) {
      await audit('wrong_password');
      return { ok: false, locked: false, message: WRONG_CURRENT_PASSWORD };
    }
    await settleSuccessfulAttempt(deps.db, accountKey, addressKey);
    return { ok: true };
  };
}

export type CheckCurrentPassword = ReturnType<typeof createCurrentPasswordCheck>;
