import type { PasswordHasher } from '../accounts/password.hasher.js';
import type { AuditLog } from '../audit/audit.repo.js';
import type { ClientInfo } from '../core/client-info.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { generateToken, hashToken } from '../core/tokens.js';
import type { Db } from '../db/database.js';
import { matchTotpStep } from '../mfa/totp.js';
import { ACCOUNT_POLICY, ADDRESS_POLICY, lockoutMessage } from '../throttle/throttle.policy.js';
import { throttledCheck, type ThrottleRepo } from '../throttle/throttle.repo.js';
import { normaliseStaffEmail, staffActor } from './staff-email.js';
import type { StaffRepo } from './staff.repo.js';
import type { StaffService } from './staff.service.js';
import type { StaffSessionRecord, StaffSessionsRepo } from './staff-sessions.repo.js';

/** One message for every failure: it never says whether the address is a staff account, or which half was wrong. */
export const STAFF_SIGN_IN_FAILED = 'The email address or password is incorrect.';
/** Only someone who typed the right password sees this: it tells a guesser nothing. */
export const STAFF_TOTP_RESET = 'Your authenticator was reset by an admin. Open the link we emailed you to set it up again, then sign in.';
export const STAFF_CHALLENGE_LAPSED = 'This sign-in has timed out. Please sign in again.';

/** A staff session lasts 12 hours at most (the database refuses longer), and ends after 30 idle minutes. */
export const STAFF_SESSION_HOURS = 12;
export const STAFF_IDLE_MINUTES = 30;
/** How long the code step may take. */
export const STAFF_CHALLENGE_MINUTES = 5;
/** Last-seen is written at most this often; the idle timeout is counted from it. */
const TOUCH_INTERVAL_MS = 30_000;

export interface NewStaffSession {
  token: string;
  expiresAt: Date;
  staffId: string;
  email: string;
}

export type StaffCodeResult = ({ ok: true } & NewStaffSession) | { ok: false; message: string; lapsed: boolean; locked?: boolean };

/** Staff sign-in (password, then TOTP), staff sessions and sign-out. */
export function createStaffSignInService(deps: {
  db: Db;
  clock: Clock;
  hasher: PasswordHasher;
  staff: StaffRepo;
  staffService: Pick<StaffService, 'totpSecretOf'>;
  staffSessions: StaffSessionsRepo;
  throttle: ThrottleRepo;
  audit: AuditLog;
}) {
  const { staff: repo, staffSessions: sessions, throttle } = deps;

  async function createSession(staffId: string, email: string, client: ClientInfo, trx: Db, secondStep: string): Promise<NewStaffSession> {
    const token = generateToken();
    const now = deps.clock.now();
    const expiresAt = new Date(now.getTime() + STAFF_SESSION_HOURS * 3_600_000);
    await sessions.insert({ tokenHash: hashToken(token), staffId, now, expiresAt, ip: client.ip, userAgent: client.userAgent }, trx);
    await deps.audit.record({ event: 'staff.sign_in.succeeded', actor: staffActor(email), ip: client.ip, details: { secondStep } }, trx);
    return { token, expiresAt, staffId, email };
  }

  return {
    /** The password step: a right password opens the TOTP step (a challenge token for a cookie), never a session. */
    async signIn(input: { email: string; password: string }, client: ClientInfo): Promise<{ token: string; expiresAt: Date }> {
      const email = normaliseStaffEmail(input.email);
      if (email === '' || input.password === '') throw new AppError('validation_failed', 'Enter your email address and password.', 400);
      const accountKey = `staff:${email}`;
      const addressKey = { key: `address:${client.ip}`, policy: ADDRESS_POLICY };
      // Keyed by the address typed, whether or not it is a staff account: a lockout reveals nothing.
      const attempt = await throttle.beginAttempt([{ key: accountKey, policy: ACCOUNT_POLICY }, addressKey], deps.clock.now());
      if (!attempt.allowed) {
        await deps.audit.record({ event: 'staff.sign_in.locked_out', actor: 'anonymous', ip: client.ip, details: { email, retryAt: attempt.retryAt.toISOString() } });
        throw new AppError('locked_out', lockoutMessage(attempt.retryAt, deps.clock.now()), 429);
      }
      const member = await repo.findByEmail(email);
      let passwordOk = false;
      // No account, or an invitation not yet accepted: the same argon2id cost as a real check (no timing oracle).
      if (member?.password_hash === null || member === undefined) await deps.hasher.verifyDummy(input.password);
      else passwordOk = await deps.hasher.verify(member.password_hash, input.password);
      if (member === undefined || !passwordOk || member.disabled_at !== null) {
        const reason = member === undefined ? 'unknown_staff' : !passwordOk ? (member.password_hash === null ? 'not_enrolled' : 'wrong_password') : 'staff_disabled';
        await deps.audit.record({ event: 'staff.sign_in.failed', actor: 'anonymous', ip: client.ip, details: { email, reason } });
        throw new AppError('sign_in_failed', STAFF_SIGN_IN_FAILED, 401);
      }
      await throttle.settleSuccessfulAttempt(accountKey, addressKey);
      if (member.totp_enrolled_at === null) {
        await deps.audit.record({ event: 'staff.sign_in.failed', actor: 'anonymous', ip: client.ip, details: { email, reason: 'totp_reset' } });
        throw new AppError('totp_reset', STAFF_TOTP_RESET, 401);
      }
      const token = generateToken();
      const now = deps.clock.now();
      const expiresAt = new Date(now.getTime() + STAFF_CHALLENGE_MINUTES * 60_000);
      await sessions.insertChallenge({ tokenHash: hashToken(token), staffId: member.id, now, expiresAt });
      return { token, expiresAt };
    },

    /** The staff member of a live TOTP step, for its page. */
    pendingSignIn: (challengeToken: string) => sessions.findChallenge(hashToken(challengeToken), deps.clock.now()),

    /** The TOTP step: throttled like passwords, each code good once; success spends the challenge and opens a session. */
    async completeSignIn(challengeToken: string, code: string, client: ClientInfo): Promise<StaffCodeResult> {
      const pending = await sessions.findChallenge(hashToken(challengeToken), deps.clock.now());
      if (pending === undefined) return { ok: false, message: STAFF_CHALLENGE_LAPSED, lapsed: true };
      const now = deps.clock.now();
      const attempt = await throttledCheck(throttle, now, { accountKey: `staff-totp:${pending.staffId}`, ip: client.ip }, async () => {
        const member = await repo.findById(pending.staffId);
        const secret = member && deps.staffService.totpSecretOf(member);
        const step = secret === undefined ? undefined : matchTotpStep(secret, code, deps.clock.now());
        if (step === undefined) return { ok: false, message: 'That code is not correct. Enter the current 6-digit code from your authenticator app.' };
        if (!(await repo.claimTotpStep(pending.staffId, step))) return { ok: false, message: 'That code was already used. Wait for the next code from your authenticator app.' };
        return { ok: true, message: '' };
      });
      if (attempt.locked) {
        await deps.audit.record({ event: 'staff.totp_failed', actor: 'anonymous', ip: client.ip, details: { email: pending.email, lockedUntil: attempt.retryAt.toISOString() } });
        return { ok: false, message: lockoutMessage(attempt.retryAt, now, 'wrong codes'), lapsed: false, locked: true };
      }
      if (!attempt.result.ok) {
        await deps.audit.record({ event: 'staff.totp_failed', actor: 'anonymous', ip: client.ip, details: { email: pending.email } });
        return { ok: false, message: attempt.result.message, lapsed: false };
      }
      // Spent exactly once: of two tabs posting good codes, one gets the session.
      if (!(await sessions.consumeChallenge(hashToken(challengeToken)))) return { ok: false, message: STAFF_CHALLENGE_LAPSED, lapsed: true };
      const session = await deps.db.transaction().execute((trx) => createSession(pending.staffId, pending.email, client, trx, 'totp'));
      return { ok: true, ...session };
    },

    /** The session behind a cookie's token: ended, expired (12 hours), idle (30 minutes) or disabled staff get none. */
    async validate(token: string, client: { ip: string }): Promise<StaffSessionRecord | undefined> {
      const tokenHash = hashToken(token);
      const session = await sessions.find(tokenHash);
      if (session === undefined) return undefined;
      const now = deps.clock.now();
      if (session.expiresAt <= now || now.getTime() - session.lastSeenAt.getTime() > STAFF_IDLE_MINUTES * 60_000) {
        await sessions.end(tokenHash, now);
        return undefined;
      }
      if (now.getTime() - session.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) await sessions.touch(session.id, now, client.ip);
      return session;
    },

    async signOut(token: string, email: string, client: ClientInfo): Promise<void> {
      await deps.db.transaction().execute(async (trx) => {
        await sessions.end(hashToken(token), deps.clock.now(), trx);
        await deps.audit.record({ event: 'staff.sign_out', actor: staffActor(email), ip: client.ip }, trx);
      });
    },

    /** Ends every session of the staff member, this browser's included. */
    async signOutEverywhere(staffId: string, email: string, client: ClientInfo): Promise<number> {
      return deps.db.transaction().execute(async (trx) => {
        const ended = await sessions.endAllForStaff(staffId, deps.clock.now(), trx);
        await deps.audit.record({ event: 'staff.signed_out_everywhere', actor: staffActor(email), ip: client.ip, details: { sessionsEnded: ended } }, trx);
        return ended;
      });
    },

    /**
     * Re-entering the password before a sensitive change (roles, staff, settings): throttled like sign-in,
     * and each wrong one audited.
     */
    async confirmPassword(staffId: string, password: string, client: ClientInfo): Promise<{ ok: true } | { ok: false; message: string; status: number }> {
      const now = deps.clock.now();
      const member = await repo.findById(staffId);
      if (member === undefined) return { ok: false, message: 'Your session has ended. Please sign in again.', status: 401 };
      const check = await throttledCheck(throttle, now, { accountKey: `staff-password:${staffId}`, ip: client.ip }, async () => ({
        ok: member.password_hash !== null && (await deps.hasher.verify(member.password_hash, password)),
      }));
      if (check.locked) return { ok: false, message: lockoutMessage(check.retryAt, now, 'wrong passwords'), status: 429 };
      if (!check.result.ok) {
        await deps.audit.record({ event: 'staff.password_check_failed', actor: staffActor(member.email), ip: client.ip });
        return { ok: false, message: 'That is not your current password.', status: 401 };
      }
      return { ok: true };
    },

    deleteExpired: async () => {
      const now = deps.clock.now();
      await sessions.deleteExpiredChallenges(now);
      return sessions.deleteOld(new Date(now.getTime() - 30 * 86_400_000));
    },
  };
}

export type StaffSignInService = ReturnType<typeof createStaffSignInService>;
