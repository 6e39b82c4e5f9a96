import type { PasswordHasher } from '../accounts/password.hasher.js';
import type { AuditLog } from '../audit/audit.repo.js';
import type { Clock } from '../core/clock.js';
import { lockoutMessage } from '../throttle/throttle.policy.js';
import { throttledCheck, type ThrottleRepo } from '../throttle/throttle.repo.js';

export type CurrentPasswordResult = { ok: true } | { ok: false; message: string; locked: boolean };

const WRONG_CURRENT_PASSWORD = 'Your current password is not correct.';

/**
 * Re-authentication for sensitive changes in Settings. Throttled like sign-in (counted before the
 * check, with the same backoff) on its own per-account key and the shared per-address key, so a stolen
 * session cannot be used to guess the password. While locked, the password is not checked at all.
 */
export function createCurrentPasswordCheck(deps: { throttle: ThrottleRepo; clock: Clock; hasher: PasswordHasher; audit: AuditLog }) {
  return async function checkCurrentPassword(
    account: { id: string; aws_account_id: string; password_hash: string },
    password: string,
    client: { ip: string },
    purpose: 'change_password' | 'change_email',
  ): Promise<CurrentPasswordResult> {
    const audit = (reason: string) =>
      deps.audit.record({ event: 'account.password_check_failed', actor: `account:${account.aws_account_id}`, awsAccountId: account.aws_account_id, ip: client.ip, details: { purpose, reason } });
    const attempt = await throttledCheck(deps.throttle, deps.clock.now(), { accountKey: `password-check:${account.id}`, ip: client.ip }, async () => ({
      ok: password !== '' && (await deps.hasher.verify(account.password_hash, password)),
    }));
    if (attempt.locked) {
      await audit('locked_out');
      return { ok: false, locked: true, message: lockoutMessage(attempt.retryAt, deps.clock.now(), 'wrong passwords') };
    }
    if (!attempt.result.ok) {
      await audit('wrong_password');
      return { ok: false, locked: false, message: WRONG_CURRENT_PASSWORD };
    }
    return { ok: true };
  };
}
