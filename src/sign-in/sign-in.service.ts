import { normaliseAccountId } from '../core/account-id.js';
import type { AccountsRepo } from '../accounts/accounts.repo.js';
import type { PasswordHasher } from '../accounts/password.hasher.js';
import type { ClientInfo } from '../core/client-info.js';
import type { AuditLog } from '../audit/audit.repo.js';
import type { Clock } from '../core/clock.js';
import type { Db } from '../db/database.js';
import type { ChallengeReason, PortalAccountRow } from '../db/schema.js';
import { AppError } from '../core/errors.js';
import type { MfaService, SendResult } from '../mfa/mfa.service.js';
import type { SettingsRepo } from '../settings/settings.repo.js';
import type { KnownDevices } from '../sessions/known-devices.js';
import type { SessionService } from '../sessions/sessions.service.js';
import { secondStepOf, type PendingSignIn, type SignInChallengesRepo } from './sign-in-challenges.repo.js';
import { ACCOUNT_POLICY, ADDRESS_POLICY, lockoutMessage } from '../throttle/throttle.policy.js';
import type { ThrottleRepo } from '../throttle/throttle.repo.js';

/** One message for every failure: it never says whether the account exists or which half was wrong. */
export const SIGN_IN_FAILED = 'The AWS account ID or password is incorrect.';

export const ONE_TIME_PASSWORD_EXPIRED = 'This one-time password has expired. Ask your WebStream contact for a new one.';

/**
 * A staff-issued one-time password stops working at its expiry. Saying so plainly is safe: only someone
 * who typed the right password sees this message, so it tells a guesser nothing.
 */
async function refuseExpiredOneTimePassword(
  account: Pick<PortalAccountRow, 'aws_account_id' | 'must_change_password' | 'one_time_password_expires_at'>,
  client: ClientInfo,
  deps: { clock: Clock; audit: AuditLog },
): Promise<void> {
  const expiresAt = account.one_time_password_expires_at;
  // must_change_password too: once the customer has chosen a password of their own, the expiry no longer applies.
  if (!account.must_change_password || expiresAt === null || expiresAt > deps.clock.now()) return;
  await deps.audit.record({ event: 'sign_in.failed', actor: 'anonymous', awsAccountId: account.aws_account_id, ip: client.ip, details: { reason: 'one_time_password_expired' } });
  throw new AppError('one_time_password_expired', ONE_TIME_PASSWORD_EXPIRED, 401);
}

export interface NewSession {
  token: string;
  expiresAt: Date;
  accountId: string;
  awsAccountId: string;
}

/** A right password either signs in at once or opens the second step (MFA, or a new browser's email check). */
export type SignInOutcome =
  | ({ kind: 'session'; mustChangePassword: boolean } & NewSession)
  | { kind: 'challenge'; token: string; expiresAt: Date; reason: ChallengeReason; awsAccountId: string; codeSent: SendResult | undefined };

/** A failure names the pending sign-in (to show the page again), or none when it has lapsed and must start over. */
export type SecondStepResult = ({ ok: true; returnPath: string | null } & NewSession) | { ok: false; message: string; pending: PendingSignIn | undefined; locked?: boolean };

export const CHALLENGE_LAPSED = 'This sign-in has timed out. Please sign in again.';

export function createSignInService(deps: {
  db: Db;
  clock: Clock;
  hasher: PasswordHasher;
  accounts: AccountsRepo;
  challenges: SignInChallengesRepo;
  throttle: ThrottleRepo;
  sessions: SessionService;
  audit: AuditLog;
  settings: SettingsRepo;
  mfa: MfaService;
  knownDevices: KnownDevices;
}) {
  const { accounts, challenges, throttle } = deps;

  return {
    /** `deviceId`: the browser's verified device cookie, if any; `returnPath`: a safe same-site path. */
    async signIn(input: { accountId: string; password: string; returnPath?: string | null }, client: ClientInfo, deviceId?: string): Promise<SignInOutcome> {
      const id = normaliseAccountId(input.accountId);
      if (!id.ok) throw new AppError('validation_failed', 'Please correct the highlighted field.', 400, { accountId: [id.message] });
      const awsAccountId = id.accountId;
      const accountKey = `account:${awsAccountId}`;
      const addressKey = { key: `address:${client.ip}`, policy: ADDRESS_POLICY };

      // Keyed by the account ID typed, whether or not it exists: a lockout reveals nothing.
      const attempt = await throttle.beginAttempt([{ key: accountKey, policy: ACCOUNT_POLICY }, addressKey], deps.clock.now());
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
      await refuseExpiredOneTimePassword(account, client, deps);

      await throttle.settleSuccessfulAttempt(accountKey, addressKey);

      const reason: ChallengeReason | undefined =
        account.mfa_method !== null ? 'mfa' : (await deps.settings.get()).verifyNewDevices && !(await deps.knownDevices.isKnown(account.id, deviceId)) ? 'new_device' : undefined;
      if (reason !== undefined) {
        const challenge = await challenges.create({ accountId: account.id, reason, returnPath: input.returnPath ?? null, now: deps.clock.now() });
        const codeSent = secondStepOf({ reason, mfaMethod: account.mfa_method }).emailsCode ? await deps.mfa.sendEmailCode(account.id, 'sign_in') : undefined;
        return { kind: 'challenge', token: challenge.token, expiresAt: challenge.expiresAt, reason, awsAccountId, codeSent };
      }

      // The session and its audit entry commit together: a crash between them cannot leave an unrecorded sign-in.
      const session = await deps.db.transaction().execute(async (trx) => {
        const created = await deps.sessions.create(account.id, client, trx);
        await deps.audit.record({ event: 'sign_in.succeeded', actor: `account:${awsAccountId}`, awsAccountId, ip: client.ip }, trx);
        return created;
      });
      return { kind: 'session', token: session.token, expiresAt: session.expiresAt, accountId: account.id, awsAccountId, mustChangePassword: account.must_change_password };
    },

    deleteExpiredChallenges: () => challenges.deleteExpired(deps.clock.now()),

    /** The pending second step behind a challenge cookie, if it is still alive. */
    pendingSignIn(challengeToken: string): Promise<PendingSignIn | undefined> {
      return challenges.find(challengeToken, deps.clock.now());
    },

    /** Sends another emailed code for the pending sign-in (at most once a minute). */
    async resendCode(pending: PendingSignIn): Promise<SendResult | undefined> {
      return secondStepOf(pending).emailsCode ? deps.mfa.sendEmailCode(pending.accountId, 'sign_in') : undefined;
    },

    /** Checks the second step's code (throttled like passwords); success spends the challenge and opens a session. */
    async completeSecondStep(challengeToken: string, code: string, client: ClientInfo): Promise<SecondStepResult> {
      const pending = await challenges.find(challengeToken, deps.clock.now());
      if (pending === undefined) return { ok: false, message: CHALLENGE_LAPSED, pending: undefined };
      const { isMfa } = secondStepOf(pending);
      const check = await deps.mfa.verifyCode(pending.accountId, code, { emailPurpose: 'sign_in', acceptTotp: isMfa, acceptRecovery: isMfa }, client);
      if (!check.ok) return { ok: false, message: check.message, pending, locked: check.locked === true };
      // Spent exactly once: of two tabs posting good codes, one gets the session.
      if (!(await challenges.consume(challengeToken))) return { ok: false, message: CHALLENGE_LAPSED, pending: undefined };
      const { awsAccountId } = pending;
      const session = await deps.db.transaction().execute(async (trx) => {
        const created = await deps.sessions.create(pending.accountId, client, trx);
        if (pending.reason === 'new_device') await deps.audit.record({ event: 'new_device.verified', actor: `account:${awsAccountId}`, awsAccountId, ip: client.ip }, trx);
        await deps.audit.record({ event: 'sign_in.succeeded', actor: `account:${awsAccountId}`, awsAccountId, ip: client.ip, details: { secondStep: check.via } }, trx);
        return created;
      });
      return { ok: true, token: session.token, expiresAt: session.expiresAt, accountId: pending.accountId, awsAccountId, returnPath: pending.returnPath };
    },

    async signOut(token: string, awsAccountId: string, client: ClientInfo): Promise<void> {
      await deps.sessions.invalidate(token);
      await deps.audit.record({ event: 'sign_out', actor: `account:${awsAccountId}`, awsAccountId, ip: client.ip });
    },
  };
}

export type SignInService = ReturnType<typeof createSignInService>;
