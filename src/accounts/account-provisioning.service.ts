import type { AuditLog } from '../audit/audit.repo.js';
import type { Clock } from '../core/clock.js';
import type { Db } from '../db/database.js';
import { AppError } from '../core/errors.js';
import type { LicencesRepo } from '../licences/licences.repo.js';
import type { Mailer } from '../mail/mailer.js';
import { formatAccountId, normaliseAccountId } from '../core/account-id.js';
import { oneTimePasswordEmail } from './account.emails.js';
import { isUniqueViolation, type AccountsRepo } from './accounts.repo.js';
import { emailProblem } from './email.js';
import { noticeToLicenceContacts } from './licence-contact.js';
import { generateOneTimePassword } from './one-time-password.js';
import type { PasswordHasher } from './password.hasher.js';

export const ONE_TIME_PASSWORD_VALID_DAYS = 7;

export interface StaffActor {
  /** Recorded in the audit log: "cli", or the staff member for the admin panel. */
  actor: string;
  ip?: string | null;
}

export interface ProvisionedAccount {
  accountId: string;
  awsAccountId: string;
  email: string;
  oneTimePasswordExpiresAt: Date;
}

/**
 * Portal accounts that staff create for a customer (CLI now, admin panel later). The customer gets a
 * one-time password by email and must replace it at first sign-in; staff never see it.
 */
export function createAccountProvisioningService(deps: { db: Db; clock: Clock; hasher: PasswordHasher; accounts: AccountsRepo; licences: LicencesRepo; mailer: Mailer; audit: AuditLog; publicUrl: URL }) {
  const { accounts } = deps;

  return {
    /** Creates the account, its one-time password and the email carrying it in one transaction; refusals write nothing. */
    async createWithOneTimePassword(input: { awsAccountId: string; email: string }, by: StaffActor): Promise<ProvisionedAccount> {
      const fields: Record<string, string[]> = {};
      const id = normaliseAccountId(input.awsAccountId);
      if (!id.ok) fields.accountId = [id.message];
      const emailError = emailProblem(input.email);
      if (emailError !== undefined) fields.email = [emailError];
      if (!id.ok || emailError !== undefined) {
        throw new AppError('validation_failed', Object.values(fields).flat().join(' '), 400, fields);
      }
      const awsAccountId = id.accountId;
      const email = input.email.trim();
      const shown = formatAccountId(awsAccountId);

      if (!(await deps.licences.hasNonRevokedLicence(awsAccountId))) {
        throw new AppError('no_licence', `AWS account ${shown} holds no WebStream licence (revoked ones do not count). A portal account needs one: issue a licence first.`, 409, {
          accountId: ['No WebStream licence was found for this AWS account.'],
        });
      }
      const alreadyExists = new AppError('account_exists', `A portal account already exists for AWS account ${shown}. The customer can sign in, or reset the password from the sign-in page.`, 409, {
        accountId: ['A portal account already exists for this AWS account ID.'],
      });
      if ((await accounts.findByAwsAccountId(awsAccountId)) !== undefined) throw alreadyExists;

      const oneTimePassword = generateOneTimePassword({ accountId: awsAccountId, email });
      const passwordHash = await deps.hasher.hash(oneTimePassword);
      const now = deps.clock.now();
      const expiresAt = new Date(now.getTime() + ONE_TIME_PASSWORD_VALID_DAYS * 86_400_000);
      const signInUrl = new URL('/portal/sign-in', deps.publicUrl).toString();
      try {
        return await deps.db.transaction().execute(async (trx) => {
          // Sign-in refuses this password after expiresAt; the session plugin allows nothing but choosing a new one.
          const account = await accounts.insert({ awsAccountId, email, passwordHash, now, oneTimePasswordExpiresAt: expiresAt }, trx);
          await deps.mailer.enqueue(oneTimePasswordEmail(email, awsAccountId, oneTimePassword, signInUrl, expiresAt), trx);
          await noticeToLicenceContacts(deps, { awsAccountId, email }, trx);
          await deps.audit.record(
            { event: 'account.created_by_staff', actor: by.actor, awsAccountId, ip: by.ip ?? null, details: { email, oneTimePasswordExpiresAt: expiresAt.toISOString() } },
            trx,
          );
          return { accountId: account.id, awsAccountId, email, oneTimePasswordExpiresAt: expiresAt };
        });
      } catch (error) {
        // One portal account per AWS account ID is a database constraint, so a racing registration loses cleanly.
        if (isUniqueViolation(error, 'portal_accounts_one_per_aws_account')) throw alreadyExists;
        throw error;
      }
    },
  };
}

export type AccountProvisioningService = ReturnType<typeof createAccountProvisioningService>;
