import { normaliseAccountId } from '../accounts/account-id.js';
import { createAccountsRepo } from '../accounts/accounts.repo.js';
import type { PasswordHasher } from '../accounts/password.hasher.js';
import type { ClientInfo } from '../accounts/registration.service.js';
import type { AuditLog } from '../audit/audit.repo.js';
import type { Clock } from '../config/clock.js';
import type { Db } from '../db/database.js';
import { AppError } from '../http/errors.js';
import type { SessionService } from './sessions.service.js';
import { ACCOUNT_POLICY, ADDRESS_POLICY } from './throttle.policy.js';
import { beginAttempt, settleSuccessfulAttempt } from './throttle.repo.js';

/** One message for every failure: it never says whether the account exists or which half was wrong. */
export const SIGN_IN_FAILED = 'The AWS account ID or password is incorrect.';

export function lockoutMessage(retryAt: Date, now: Date): string {
  const seconds = Math.max(1, Math.ceil((retryAt.getTime() - now.getTime()) / 1000));
  const wait = seconds < 90 ? `${seconds} second${seconds === 1 ? '' : 's'}` : `${Math.ceil(seconds / 60)} minutes`;
  return `Too many sign-in attempts. For your security, please wait ${wait} before trying again.`;
}

export function createSignInService(deps: { db: Db; clock: Clock; hasher: PasswordHasher; sessions: SessionService; audit: AuditLog }) {
  const accounts = createAccountsRepo(deps.db);

  return {
    async signIn(input: { accountId: string; password: string }, client: ClientInfo): Promise<{ token: string; expiresAt: Date; awsAccountId: string }> {
      const id = normaliseAccountId(input.accountId);
      if (!id.ok) throw new AppError('validation_failed', 'Please correct the highlighted field.', 400, { accountId: [id.message] });
      const awsAccountId = id.accountId;
      const accountKey = `account:${awsAccountId}`;
      const addressKey = { key: `address:${client.ip}`, policy: ADDRESS_POLICY };

      // Keyed by the account ID typed, whether or not it exists: a lockout reveals nothing.
      const attempt = await beginAttempt(deps.db, [{ key: accountKey, policy: ACCOUNT_POLICY }, addressKey], deps.clock.now());
      if (!attempt.allowed) {
        await deps.audit.record({ event: 'sign_in.locked_out', actor: 'anonymous', awsAccountId, ip: client.ip, details: { retryAt: attempt.retryAt.toISOString() } });
        throw new AppError('locked_out', lockoutMessage(attempt.retryAt, deps.clock.now()), 429);
      }

      const account = await accounts.findByAwsAccountId(awsAccountId);
      let passwordOk = false;
      if (account === undefined) await deps.hasher.verifyDummy(input.password);
      else passwordOk = await deps.hasher.verify(account.password_hash, input.password);

      if (account === undefined || !passwordOk || account.disabled_at !== null) {
        const reason = account === undefined ? 'unknown_account' : !passwordOk ? 'wrong_password' : 'account_disabled';
        await deps.audit.record({ event: 'sign_in.failed', actor: 'anonymous', awsAccountId, ip: client.ip, details: { reason } });
        throw new AppError('sign_in_failed', SIGN_IN_FAILED, 401);
      }

      await settleSuccessfulAttempt(deps.db, accountKey, addressKey);
      const session = await deps.sessions.create(account.id, client);
      await deps.audit.record({ event: 'sign_in.succeeded', actor: `account:${awsAccountId}`, awsAccountId, ip: client.ip });
      return { token: session.token, expiresAt: session.expiresAt, awsAccountId };
    },

    async signOut(token: string, awsAccountId: string, client: ClientInfo): Promise<void> {
      await deps.sessions.invalidate(token);
      await deps.audit.record({ event: 'sign_out', actor: `account:${awsAccountId}`, awsAccountId, ip: client.ip });
    },
  };
}

export type SignInService = ReturnType<typeof createSignInService>;
