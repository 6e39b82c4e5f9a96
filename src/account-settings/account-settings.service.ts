import type { AccountTokensRepo } from '../accounts/account-tokens.repo.js';
import type { AccountsRepo } from '../accounts/accounts.repo.js';
import { emailProblem } from '../accounts/email.js';
import { newPasswordProblems } from '../accounts/new-password.js';
import type { PasswordHasher } from '../accounts/password.hasher.js';
import type { ClientInfo } from '../core/client-info.js';
import type { AuditLog } from '../audit/audit.repo.js';
import type { Clock } from '../core/clock.js';
import type { Db } from '../db/database.js';
import type { PortalAccountRow } from '../db/schema.js';
import { AppError } from '../core/errors.js';
import { generateToken, hashToken } from '../core/tokens.js';
import type { Mailer } from '../mail/mailer.js';
import { mfaStatusOf } from '../mfa/mfa.repo.js';
import type { MfaStatus } from '../mfa/mfa.section.js';
import type { SessionService } from '../sessions/sessions.service.js';
import type { ThrottleRepo } from '../throttle/throttle.repo.js';
import { confirmNewEmailEmail, emailChangeRequestedEmail, passwordChangedInSettingsEmail } from './account-settings.emails.js';
import type { AccountSettingsRepo } from './account-settings.repo.js';
import { createCurrentPasswordCheck } from './current-password.check.js';
import { describeDevice } from './device.js';

/** A link to confirm a new contact email works for a day. */
const EMAIL_CHANGE_LINK_HOURS = 24;
/** At most one confirmation email per account per minute, so the form cannot flood someone's inbox. */
const EMAIL_CHANGE_INTERVAL_MS = 60_000;

/** The browser making the change: its own session always stays. */
export interface CurrentSession {
  id: string;
  accountId: string;
  awsAccountId: string;
  token: string;
}

export interface SessionListItem {
  id: string;
  device: string;
  ip: string;
  createdAt: Date;
  lastSeenAt: Date;
  current: boolean;
}

/** Everything the Settings page shows, loaded in one place (settingsView). */
export interface SettingsView {
  awsAccountId: string;
  mfa: MfaStatus;
  contact: { email: string; verified: boolean; pending: string | undefined };
  sessions: SessionListItem[];
}

type FieldErrors = Record<string, string[]>;

function refuse(fields: FieldErrors, status = 400): never {
  throw new AppError('validation_failed', 'Please correct the highlighted fields.', status, fields);
}

export function createAccountSettingsService(deps: {
  db: Db;
  clock: Clock;
  hasher: PasswordHasher;
  accounts: AccountsRepo;
  tokens: AccountTokensRepo;
  settingsPage: AccountSettingsRepo;
  throttle: ThrottleRepo;
  sessions: SessionService;
  mailer: Mailer;
  audit: AuditLog;
  publicUrl: URL;
}) {
  const { accounts, tokens, settingsPage } = deps;
  const checkCurrentPassword = createCurrentPasswordCheck(deps);
  const forgotPasswordUrl = new URL('/portal/forgot-password', deps.publicUrl).toString();
  const actor = (awsAccountId: string) => `account:${awsAccountId}`;

  /** A missing or disabled account ends what its session was doing. */
  function stillSignedIn<T extends { disabled_at: Date | null }>(account: T | undefined): T {
    if (account === undefined || account.disabled_at !== null) throw new AppError('not_signed_in', 'Your session has ended. Please sign in again.', 401);
    return account;
  }

  async function signedInAccount(accountId: string): Promise<PortalAccountRow> {
    return stillSignedIn(await accounts.findById(accountId));
  }

  async function listSessions(session: Pick<CurrentSession, 'id' | 'accountId'>): Promise<SessionListItem[]> {
    const rows = await deps.sessions.listForAccount(session.accountId);
    return rows.map((row) => ({ id: row.id, device: describeDevice(row.user_agent), ip: row.ip, createdAt: row.created_at, lastSeenAt: row.last_seen_at, current: row.id === session.id }));
  }

  /** Stores a new password, ends every other session, emails the owner and audits it, all in one transaction. */
  async function storeNewPassword(account: PortalAccountRow, password: string, session: CurrentSession, client: ClientInfo, forced: boolean): Promise<void> {
    const passwordHash = await deps.hasher.hash(password);
    const now = deps.clock.now();
    await deps.db.transaction().execute(async (trx) => {
      await accounts.setPassword(account.id, passwordHash, now, trx);
      const otherSessionsEnded = await deps.sessions.invalidateOthers(account.id, session.token, trx);
      await deps.mailer.enqueue(passwordChangedInSettingsEmail(account.email, account.aws_account_id, forgotPasswordUrl), trx);
      await deps.audit.record({ event: 'account.password_changed', actor: actor(account.aws_account_id), awsAccountId: account.aws_account_id, ip: client.ip, details: { forced, otherSessionsEnded } }, trx);
    });
  }

  return {
    /** The Settings page's data: the account row is read once, the session list beside it. */
    async settingsView(session: Pick<CurrentSession, 'id' | 'accountId'>): Promise<SettingsView> {
      const [row, sessions] = await Promise.all([settingsPage.settingsAccount(session.accountId, deps.clock.now()), listSessions(session)]);
      const account = stillSignedIn(row);
      return {
        awsAccountId: account.aws_account_id,
        mfa: mfaStatusOf(account),
        contact: { email: account.email, verified: account.email_verified_at !== null, pending: account.pending_email ?? undefined },
        sessions,
      };
    },

    /** Needs the current password (throttled); the new one follows the rules and is not one of the last 3. */
    async changePassword(session: CurrentSession, input: { currentPassword: string; newPassword: string; newPasswordConfirm: string }, client: ClientInfo): Promise<void> {
      const account = await signedInAccount(session.accountId);
      const current = await checkCurrentPassword(account, input.currentPassword, client, 'change_password');
      // The history check says whether a password was used before: only for someone who proved the current one.
      const problems = await newPasswordProblems({ hasher: deps.hasher, accounts }, account, input.newPassword, input.newPasswordConfirm, current.ok);
      const fields: FieldErrors = {};
      if (!current.ok) fields.currentPassword = [current.message];
      if (problems.password.length > 0) fields.newPassword = problems.password;
      if (problems.confirm.length > 0) fields.newPasswordConfirm = problems.confirm;
      if (Object.keys(fields).length > 0) refuse(fields, !current.ok && current.locked ? 429 : 400);
      await storeNewPassword(account, input.newPassword, session, client, false);
    },

    /** After signing in with a one-time password from staff: no current password (it was just used). */
    async setRequiredPassword(session: CurrentSession, input: { newPassword: string; newPasswordConfirm: string }, client: ClientInfo): Promise<void> {
      const account = await signedInAccount(session.accountId);
      if (!account.must_change_password) throw new AppError('no_change_needed', 'Your password has already been set.', 409);
      const problems = await newPasswordProblems({ hasher: deps.hasher, accounts }, account, input.newPassword, input.newPasswordConfirm);
      const fields: FieldErrors = {};
      if (problems.password.length > 0) fields.newPassword = problems.password;
      if (problems.confirm.length > 0) fields.newPasswordConfirm = problems.confirm;
      if (Object.keys(fields).length > 0) refuse(fields);
      await storeNewPassword(account, input.newPassword, session, client, true);
    },

    /**
     * Needs the current password (throttled). Emails a single-use link to the NEW address and a notice to
     * the OLD one; the address changes only when the link is confirmed (registration.service).
     */
    async requestEmailChange(session: CurrentSession, input: { newEmail: string; emailPassword: string }, client: ClientInfo): Promise<void> {
      const account = await signedInAccount(session.accountId);
      const email = input.newEmail.trim();
      const now = deps.clock.now();
      const fields: FieldErrors = {};
      const emailError = emailProblem(email) ?? (email.toLowerCase() === account.email.toLowerCase() ? 'This is already your contact email address.' : undefined);
      if (emailError !== undefined) fields.newEmail = [emailError];
      const current = await checkCurrentPassword(account, input.emailPassword, client, 'change_email');
      if (!current.ok) fields.emailPassword = [current.message];
      if (Object.keys(fields).length > 0) refuse(fields, !current.ok && current.locked ? 429 : 400);
      if (await tokens.emailChangeRequestedSince(account.id, account.email, new Date(now.getTime() - EMAIL_CHANGE_INTERVAL_MS))) {
        throw new AppError('too_soon', 'We have just sent a confirmation link. Please wait a minute before asking for another one.', 429);
      }

      const token = generateToken();
      const verifyUrl = new URL(`/portal/verify-email?token=${token}`, deps.publicUrl).toString();
      const expiresAt = new Date(now.getTime() + EMAIL_CHANGE_LINK_HOURS * 3_600_000);
      await deps.db.transaction().execute(async (trx) => {
        await tokens.replacePendingEmailChange({ accountId: account.id, currentEmail: account.email, email, tokenHash: hashToken(token), now, expiresAt }, trx);
        await deps.mailer.enqueue(confirmNewEmailEmail(email, account.aws_account_id, verifyUrl, EMAIL_CHANGE_LINK_HOURS, expiresAt), trx);
        await deps.mailer.enqueue(emailChangeRequestedEmail(account.email, account.aws_account_id, email, forgotPasswordUrl), trx);
        await deps.audit.record({ event: 'account.email_change_requested', actor: actor(account.aws_account_id), awsAccountId: account.aws_account_id, ip: client.ip, details: { from: account.email, to: email } }, trx);
      });
    },

    /** Ends one session of the account by its public id; 'not_found' for an unknown id or another account's. */
    async endSession(session: CurrentSession, id: string, client: ClientInfo): Promise<'ended' | 'ended_current' | 'not_found'> {
      const current = id === session.id;
      return deps.db.transaction().execute(async (trx) => {
        if (!(await deps.sessions.endById(session.accountId, id, trx))) return 'not_found';
        await deps.audit.record({ event: 'session.ended', actor: actor(session.awsAccountId), awsAccountId: session.awsAccountId, ip: client.ip, details: { sessionId: id, current } }, trx);
        return current ? 'ended_current' : 'ended';
      });
    },

    async endOtherSessions(session: CurrentSession, client: ClientInfo): Promise<number> {
      return deps.db.transaction().execute(async (trx) => {
        const count = await deps.sessions.invalidateOthers(session.accountId, session.token, trx);
        await deps.audit.record({ event: 'session.ended_others', actor: actor(session.awsAccountId), awsAccountId: session.awsAccountId, ip: client.ip, details: { count } }, trx);
        return count;
      });
    },
  };
}

export type AccountSettingsService = ReturnType<typeof createAccountSettingsService>;
