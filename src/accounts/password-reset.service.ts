import type { AuditLog } from '../audit/audit.repo.js';
import type { Clock } from '../core/clock.js';
import type { Db } from '../db/database.js';
import { AppError } from '../core/errors.js';
import { generateToken, hashToken } from '../core/tokens.js';
import type { Mailer } from '../mail/mailer.js';
import type { SessionService } from '../sessions/sessions.service.js';
import { normaliseAccountId } from '../core/account-id.js';
import { passwordChangedEmail, passwordResetEmail } from './account.emails.js';
import type { AccountTokensRepo } from './account-tokens.repo.js';
import type { AccountsRepo } from './accounts.repo.js';
import { newPasswordProblems } from './new-password.js';
import type { PasswordHasher } from './password.hasher.js';
import type { ClientInfo } from '../core/client-info.js';

export const RESET_LINK_MINUTES = 45;
/** At most one reset email per account per minute, so the form cannot be used to flood an inbox. */
const RESET_EMAIL_INTERVAL_MS = 60_000;

export function createPasswordResetService(deps: {
  db: Db;
  clock: Clock;
  hasher: PasswordHasher;
  accounts: AccountsRepo;
  tokens: AccountTokensRepo;
  sessions: SessionService;
  mailer: Mailer;
  audit: AuditLog;
  publicUrl: URL;
}) {
  const { accounts, tokens } = deps;

  async function findUsableToken(token: string) {
    const row = await tokens.findResetToken(hashToken(token));
    if (row === undefined || row.used_at !== null || row.expires_at <= deps.clock.now()) return undefined;
    return row;
  }

  const invalidLink = () =>
    new AppError('reset_link_invalid', 'This password reset link is invalid, has expired or has already been used. Ask for a new one below.', 400);

  return {
    /** Answers the same way whatever the account ID; only an existing account gets an email. */
    async requestReset(accountIdInput: string, client: ClientInfo): Promise<void> {
      const id = normaliseAccountId(accountIdInput);
      if (!id.ok) throw new AppError('validation_failed', 'Please correct the highlighted field.', 400, { accountId: [id.message] });
      const now = deps.clock.now();
      const account = await accounts.findByAwsAccountId(id.accountId);
      await deps.db.transaction().execute(async (trx) => {
        let emailed = false;
        if (account !== undefined && account.disabled_at === null) {
          if (!(await tokens.resetRequestedSince(account.id, new Date(now.getTime() - RESET_EMAIL_INTERVAL_MS), trx))) {
            const token = generateToken();
            const expiresAt = new Date(now.getTime() + RESET_LINK_MINUTES * 60_000);
            await tokens.insertResetToken({ tokenHash: hashToken(token), accountId: account.id, now, expiresAt }, trx);
            const resetUrl = new URL(`/portal/reset-password?token=${token}`, deps.publicUrl).toString();
            await deps.mailer.enqueue(passwordResetEmail(account.email, account.aws_account_id, resetUrl, RESET_LINK_MINUTES, expiresAt), trx);
            emailed = true;
          }
        }
        // Recorded for every request (known or not), which also keeps both paths doing similar work.
        await deps.audit.record({ event: 'password_reset.requested', actor: 'anonymous', awsAccountId: id.accountId, ip: client.ip, details: { emailed } }, trx);
      });
    },

    /**
     * Staff send the customer a reset link (to the contact email on file, never shown to staff): refused for a
     * disabled account, and within a minute of the last reset email, like the customer's own request.
     */
    async sendResetByStaff(awsAccountId: string, by: { actor: string; ip: string | null }): Promise<{ email: string; expiresAt: Date }> {
      const account = await accounts.findByAwsAccountId(awsAccountId);
      if (account === undefined) throw new AppError('not_found', 'This AWS account has no portal account.', 404);
      if (account.disabled_at !== null) throw new AppError('account_disabled', 'This portal account is disabled: re-enable it before sending a password reset.', 409);
      const now = deps.clock.now();
      return deps.db.transaction().execute(async (trx) => {
        if (await tokens.resetRequestedSince(account.id, new Date(now.getTime() - RESET_EMAIL_INTERVAL_MS), trx)) {
          throw new AppError('reset_recently_sent', 'A password reset email was sent less than a minute ago. Wait a minute before sending another.', 429);
        }
        const token = generateToken();
        const expiresAt = new Date(now.getTime() + RESET_LINK_MINUTES * 60_000);
        await tokens.insertResetToken({ tokenHash: hashToken(token), accountId: account.id, now, expiresAt }, trx);
        const resetUrl = new URL(`/portal/reset-password?token=${token}`, deps.publicUrl).toString();
        await deps.mailer.enqueue(passwordResetEmail(account.email, account.aws_account_id, resetUrl, RESET_LINK_MINUTES, expiresAt), trx);
        await deps.audit.record({ event: 'password_reset.sent_by_staff', actor: by.actor, awsAccountId: account.aws_account_id, ip: by.ip, details: { expiresAt: expiresAt.toISOString() } }, trx);
        return { email: account.email, expiresAt };
      });
    },

    async checkResetToken(token: string): Promise<boolean> {
      return (await findUsableToken(token)) !== undefined;
    },

    /** Sets the new password, uses up the link, ends every session and sends a confirmation. Does not sign in. */
    async completeReset(input: { token: string; password: string; passwordConfirm: string }, client: ClientInfo): Promise<void> {
      const row = await findUsableToken(input.token);
      if (row === undefined) throw invalidLink();
      const account = await accounts.findById(row.account_id);
      if (account === undefined || account.disabled_at !== null) throw invalidLink();

      const problems = await newPasswordProblems({ hasher: deps.hasher, accounts }, account, input.password, input.passwordConfirm);
      const fields: Record<string, string[]> = {};
      if (problems.password.length > 0) fields.password = problems.password;
      if (problems.confirm.length > 0) fields.passwordConfirm = problems.confirm;
      if (Object.keys(fields).length > 0) throw new AppError('validation_failed', 'Please correct the highlighted fields.', 400, fields);

      const passwordHash = await deps.hasher.hash(input.password);
      const now = deps.clock.now();
      await deps.db.transaction().execute(async (trx) => {
        // Single use, enforced by the database: only one request can flip used_at from null.
        if (!(await tokens.spendResetToken(row.token_hash, now, trx))) throw invalidLink();
        // setPassword spends the account's other outstanding links too.
        await accounts.setPassword(account.id, passwordHash, now, trx);
        await deps.sessions.invalidateAllForAccount(account.id, trx);
        await deps.mailer.enqueue(passwordChangedEmail(account.email, account.aws_account_id, new URL('/portal/sign-in', deps.publicUrl).toString()), trx);
        await deps.audit.record({ event: 'password_reset.completed', actor: `account:${account.aws_account_id}`, awsAccountId: account.aws_account_id, ip: client.ip }, trx);
      });
    },
  };
}

export type PasswordResetService = ReturnType<typeof createPasswordResetService>;
