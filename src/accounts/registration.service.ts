import type { ClientInfo } from '../core/client-info.js';
import type { AuditLog } from '../audit/audit.repo.js';
import type { Clock } from '../core/clock.js';
import type { Db } from '../db/database.js';
import { AppError } from '../core/errors.js';
import { generateToken, hashToken } from '../core/tokens.js';
import type { LicencesRepo } from '../licences/licences.repo.js';
import type { Mailer } from '../mail/mailer.js';
import type { SessionService } from '../sessions/sessions.service.js';
import { ACCOUNT_POLICY, ADDRESS_POLICY, lockoutMessage } from '../throttle/throttle.policy.js';
import type { ThrottleRepo } from '../throttle/throttle.repo.js';
import { formatAccountId, normaliseAccountId } from '../core/account-id.js';
import { welcomeEmail } from './account.emails.js';
import type { AccountTokensRepo } from './account-tokens.repo.js';
import { isUniqueViolation, type AccountsRepo } from './accounts.repo.js';
import { emailProblem } from './email.js';
import { noticeToLicenceContacts } from './licence-contact.js';
import type { PasswordHasher } from './password.hasher.js';
import { passwordProblems } from './password.policy.js';
import { PASSWORDS_DO_NOT_MATCH } from './new-password.js';

export interface RegistrationInput {
  accountId: string;
  email: string;
  password: string;
  passwordConfirm: string;
}

const EMAIL_VERIFICATION_DAYS = 7;

export interface RegistrationOptions {
  /**
   * The AWS Marketplace link flow: the AWS account ID is fixed to the subscription's, and the
   * subscription takes the place of a prior licence. `claim` runs inside the registration's transaction
   * (e.g. spending the single-use link handshake); if it throws, nothing is written.
   */
  entitledBy?: { awsAccountId: string; claim(account: { id: string; awsAccountId: string }, trx: Db): Promise<void> };
  /**
   * A proof that the registrant controls the AWS account without being an entitlement: a portal link opened
   * from a WebStream instance's admin panel (src/account-proofs). The account ID is fixed to the proven one
   * and `claim` (spending the single-use link) runs inside the registration's transaction; the licence rule
   * still applies. It satisfies `registrationRequiresProof`, as the Marketplace flow does.
   */
  provenBy?: { awsAccountId: string; via: 'portal_link'; claim(account: { id: string; awsAccountId: string }, trx: Db): Promise<void> };
}

/** The ways to a portal account while the portal requires a proof of the AWS account (setting registrationRequiresProof). */
export const PROOF_REQUIRED_MESSAGE =
  "This portal creates a portal account only for an AWS account that proves it is yours. Open the licence portal from your WebStream instance's admin panel (its link fills in and proves your AWS account ID), arrive through AWS Marketplace (“Set up your account” on your WebStream subscription), or ask WebStream to create the portal account for you.";

export function createRegistrationService(deps: {
  db: Db;
  clock: Clock;
  hasher: PasswordHasher;
  accounts: AccountsRepo;
  tokens: AccountTokensRepo;
  throttle: ThrottleRepo;
  sessions: SessionService;
  licences: LicencesRepo;
  mailer: Mailer;
  audit: AuditLog;
  publicUrl: URL;
  /** Whether self-registration needs a proof of the AWS account (the portal setting registrationRequiresProof). */
  requiresProof: () => Promise<boolean>;
}) {
  const { accounts, tokens, throttle } = deps;

  return {
    /** Creates the portal account and signs it in; every broken rule is reported at once, nothing is written. */
    async register(input: RegistrationInput, client: ClientInfo, options: RegistrationOptions = {}): Promise<{ token: string; expiresAt: Date; accountId: string; awsAccountId: string }> {
      const fields: Record<string, string[]> = {};
      const { entitledBy, provenBy } = options;
      const id = normaliseAccountId(input.accountId);
      // Without a proof, while the portal requires one, nothing else is worth checking: the form cannot succeed.
      if (entitledBy === undefined && provenBy === undefined && (await deps.requiresProof())) {
        await deps.audit.record({ event: 'registration.refused', actor: 'anonymous', awsAccountId: id.ok ? id.accountId : null, ip: client.ip, details: { reason: 'proof_required' } });
        throw new AppError('proof_required', PROOF_REQUIRED_MESSAGE, 403);
      }
      if (!id.ok) fields.accountId = [id.message];
      else if (entitledBy !== undefined && id.accountId !== entitledBy.awsAccountId) {
        fields.accountId = [`This subscription belongs to AWS account ${formatAccountId(entitledBy.awsAccountId)}; the portal account must use that ID.`];
      } else if (provenBy !== undefined && id.accountId !== provenBy.awsAccountId) {
        fields.accountId = [`This link proves AWS account ${formatAccountId(provenBy.awsAccountId)}; the portal account must use that ID.`];
      }
      const emailError = emailProblem(input.email);
      if (emailError) fields.email = [emailError];
      const email = input.email.trim();
      const problems = passwordProblems(input.password, { accountId: id.ok ? id.accountId : '', email });
      if (problems.length > 0) fields.password = problems;
      if (input.password !== input.passwordConfirm) fields.passwordConfirm = [PASSWORDS_DO_NOT_MATCH];
      if (!id.ok || Object.keys(fields).length > 0) {
        throw new AppError('validation_failed', 'Please correct the highlighted fields.', 400, fields);
      }
      const awsAccountId = id.accountId;

      // The refusals below tell licensed, registered and unknown AWS account IDs apart, so they count like
      // sign-in failures: before the checks, per ID and per address (the sign-in's address key), and a lock
      // gives one answer whatever the ID. Form mistakes above are not counted: they reveal nothing about the
      // ID, and a customer correcting the form must not be locked out by it.
      const accountKey = `register:${awsAccountId}`;
      const addressKey = { key: `address:${client.ip}`, policy: ADDRESS_POLICY };
      const attempt = await throttle.beginAttempt([{ key: accountKey, policy: ACCOUNT_POLICY }, addressKey], deps.clock.now());
      if (!attempt.allowed) {
        await deps.audit.record({ event: 'registration.locked_out', actor: 'anonymous', awsAccountId, ip: client.ip, details: { retryAt: attempt.retryAt.toISOString() } });
        throw new AppError('locked_out', lockoutMessage(attempt.retryAt, deps.clock.now(), 'registration attempts'), 429);
      }
      const refused = async (reason: 'no_licence' | 'account_exists') =>
        deps.audit.record({ event: 'registration.refused', actor: 'anonymous', awsAccountId, ip: client.ip, details: { reason } });

      if (entitledBy === undefined && !(await deps.licences.hasNonRevokedLicence(awsAccountId))) {
        await refused('no_licence');
        throw new AppError(
          'no_licence',
          `We could not find a WebStream licence for AWS account ${formatAccountId(awsAccountId)}. A portal account needs one: subscribe to WebStream on AWS Marketplace, request a licence from your WebStream instance's admin panel, or contact WebStream sales.`,
          403,
          { accountId: ['No WebStream licence was found for this AWS account.'] },
        );
      }
      const alreadyExists = new AppError(
        'account_exists',
        'A portal account already exists for this AWS account ID. Sign in instead, or reset the password if you have forgotten it.',
        409,
        { accountId: ['A portal account already exists for this AWS account ID.'] },
      );
      if ((await accounts.findByAwsAccountId(awsAccountId)) !== undefined) {
        await refused('account_exists');
        throw alreadyExists;
      }

      const via = entitledBy !== undefined ? 'marketplace' : provenBy?.via;
      const passwordHash = await deps.hasher.hash(input.password);
      const now = deps.clock.now();
      let registered;
      try {
        registered = await deps.db.transaction().execute(async (trx) => {
          const account = await accounts.insert({ awsAccountId, email, passwordHash, now }, trx);
          await entitledBy?.claim({ id: account.id, awsAccountId }, trx);
          await provenBy?.claim({ id: account.id, awsAccountId }, trx);
          const verifyToken = generateToken();
          const verifyExpiresAt = new Date(now.getTime() + EMAIL_VERIFICATION_DAYS * 86_400_000);
          await tokens.insertVerificationToken({ tokenHash: hashToken(verifyToken), accountId: account.id, email, now, expiresAt: verifyExpiresAt }, trx);
          const verifyUrl = new URL(`/portal/verify-email?token=${verifyToken}`, deps.publicUrl).toString();
          await deps.mailer.enqueue(welcomeEmail(email, awsAccountId, verifyUrl, verifyExpiresAt), trx);
          const session = await deps.sessions.create(account.id, client, trx);
          await deps.audit.record({ event: 'account.registered', actor: `account:${awsAccountId}`, awsAccountId, ip: client.ip, ...(via === undefined ? {} : { details: { via } }) }, trx);
          await noticeToLicenceContacts(deps, { awsAccountId, email }, trx);
          return { token: session.token, expiresAt: session.expiresAt, accountId: account.id, awsAccountId };
        });
      } catch (error) {
        // The database enforces one portal account per AWS account ID, even when two registrations race.
        if (isUniqueViolation(error, 'portal_accounts_one_per_aws_account')) {
          await refused('account_exists');
          throw alreadyExists;
        }
        throw error;
      }
      // Settled like a successful sign-in: the ID's count is cleared, the address's pre-counted attempt refunded.
      await throttle.settleSuccessfulAttempt(accountKey, addressKey);
      return registered;
    },

    /** Whether self-registration needs a proof of the AWS account now (the register page explains the ways). */
    proofRequired: (): Promise<boolean> => deps.requiresProof(),

    /** Whether a verification link is still usable (the page shows a confirm button; no change on GET). */
    async checkEmailVerification(token: string): Promise<{ email: string } | undefined> {
      const row = await tokens.findVerificationToken(hashToken(token));
      if (row === undefined || row.used_at !== null || row.expires_at <= deps.clock.now()) return undefined;
      return { email: row.email };
    },

    async confirmEmailVerification(token: string, client: ClientInfo): Promise<boolean> {
      const now = deps.clock.now();
      return deps.db.transaction().execute(async (trx) => {
        const used = await tokens.spendVerificationToken(hashToken(token), now, trx);
        if (used === undefined) return false;
        const account = await accounts.findById(used.account_id, trx);
        if (account !== undefined && account.email !== used.email) {
          // A link for a new address from Settings (src/account-settings): it becomes the contact email only now.
          await accounts.changeEmail(account.id, used.email, now, trx);
          await deps.audit.record({ event: 'account.email_changed', actor: `account:${account.aws_account_id}`, awsAccountId: account.aws_account_id, ip: client.ip, details: { from: account.email, to: used.email } }, trx);
          return true;
        }
        await accounts.markEmailVerified(used.account_id, used.email, now, trx);
        await deps.audit.record({ event: 'account.email_verified', actor: `account:${account?.aws_account_id ?? 'unknown'}`, awsAccountId: account?.aws_account_id ?? null, ip: client.ip, details: { email: used.email } }, trx);
        return true;
      });
    },
  };
}

export type RegistrationService = ReturnType<typeof createRegistrationService>;
