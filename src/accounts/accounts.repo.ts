import type { Db } from '../db/database.js';
import type { MfaMethod, PortalAccountRow } from '../db/schema.js';
import type { AccountTokensRepo } from './account-tokens.repo.js';

/**
 * The one writer of portal_accounts (the MFA columns included) and password_history. A password change or a
 * confirmed email change also spends the account's links, through the tokens repo.
 */
export function createAccountsRepo(db: Db, tokens: AccountTokensRepo) {
  return {
    findByAwsAccountId(awsAccountId: string, trx: Db = db): Promise<PortalAccountRow | undefined> {
      return trx.selectFrom('portal_accounts').selectAll().where('aws_account_id', '=', awsAccountId).executeTakeFirst();
    },

    findById(id: string, trx: Db = db): Promise<PortalAccountRow | undefined> {
      return trx.selectFrom('portal_accounts').selectAll().where('id', '=', id).executeTakeFirst();
    },

    /** `oneTimePasswordExpiresAt`: the password is a staff one-time password, to be replaced at the first sign-in. */
    async insert(values: { awsAccountId: string; email: string; passwordHash: string; now: Date; oneTimePasswordExpiresAt?: Date }, trx: Db = db): Promise<PortalAccountRow> {
      const oneTimePassword = values.oneTimePasswordExpiresAt === undefined ? {} : { must_change_password: true, one_time_password_expires_at: values.oneTimePasswordExpiresAt };
      const account = await trx
        .insertInto('portal_accounts')
        .values({ aws_account_id: values.awsAccountId, email: values.email, password_hash: values.passwordHash, password_changed_at: values.now, created_at: values.now, email_verified_at: null, disabled_at: null, ...oneTimePassword })
        .returningAll()
        .executeTakeFirstOrThrow();
      await trx.insertInto('password_history').values({ account_id: account.id, password_hash: values.passwordHash, created_at: values.now }).execute();
      return account;
    },

    /**
     * Every password change goes through here (settings, reset, forced change). A staff one-time password
     * stops mattering, and every outstanding reset and verification link is spent (a pending contact-email
     * change included): whoever asked for them may have known the old password, and the owner's answer to
     * that is exactly this change.
     */
    async setPassword(accountId: string, passwordHash: string, now: Date, trx: Db = db): Promise<void> {
      await trx
        .updateTable('portal_accounts')
        .set({ password_hash: passwordHash, password_changed_at: now, must_change_password: false, one_time_password_expires_at: null })
        .where('id', '=', accountId)
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx.insertInto('password_history').values({ account_id: accountId, password_hash: passwordHash, created_at: now }).execute();
      await tokens.spendOutstandingLinks(accountId, now, trx);
    },

    /** The hashes of the account's most recent passwords, newest first (the current one included). */
    async recentPasswordHashes(accountId: string, count: number, trx: Db = db): Promise<string[]> {
      const rows = await trx.selectFrom('password_history').select('password_hash').where('account_id', '=', accountId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(count).execute();
      return rows.map((r) => r.password_hash);
    },

    async markEmailVerified(accountId: string, email: string, now: Date, trx: Db = db): Promise<void> {
      await trx.updateTable('portal_accounts').set({ email_verified_at: now }).where('id', '=', accountId).where('email', '=', email).execute();
    },

    /**
     * A confirmed contact-email change: the new address is proven, and every other outstanding link stops
     * working, password reset links sent to the old address included (the link confirmed is already spent).
     */
    async changeEmail(accountId: string, email: string, now: Date, trx: Db = db): Promise<void> {
      await trx.updateTable('portal_accounts').set({ email, email_verified_at: now }).where('id', '=', accountId).execute();
      await tokens.spendOutstandingLinks(accountId, now, trx);
    },

    /** An authenticator app being set up: its key, sealed, until a code confirms it (mfa.service). */
    async setPendingTotp(accountId: string, sealed: string, now: Date, trx: Db = db): Promise<void> {
      await trx.updateTable('portal_accounts').set({ pending_totp_secret_enc: sealed, pending_totp_created_at: now }).where('id', '=', accountId).execute();
    },

    /** Records a TOTP step as used; false if it (or a later one) already was: the code is a replay. */
    async claimTotpStep(accountId: string, step: number, trx: Db = db): Promise<boolean> {
      const result = await trx
        .updateTable('portal_accounts')
        .set({ totp_last_step: step })
        .where('id', '=', accountId)
        .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', String(step))]))
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    /** Turns MFA on; for TOTP the pending secret becomes the secret. False if MFA was already on (a race). */
    async enableMfa(accountId: string, { method, now, totp }: { method: MfaMethod; now: Date; totp?: { sealed: string; step: number } }, trx: Db = db): Promise<boolean> {
      const result = await trx
        .updateTable('portal_accounts')
        .set({
          mfa_method: method,
          mfa_enabled_at: now,
          totp_secret_enc: totp?.sealed ?? null,
          totp_last_step: totp?.step ?? null,
          pending_totp_secret_enc: null,
          pending_totp_created_at: null,
        })
        .where('id', '=', accountId)
        .where('mfa_method', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    /** Disables (a time) or re-enables (null) the account; false when it already was so. Sign-in and sessions refuse a disabled account. */
    async setDisabled(accountId: string, disabledAt: Date | null, trx: Db = db): Promise<boolean> {
      const result = await trx
        .updateTable('portal_accounts')
        .set({ disabled_at: disabledAt })
        .where('id', '=', accountId)
        .where('disabled_at', disabledAt === null ? 'is not' : 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    /** Turns MFA off on the account row (the recovery codes are mfa.repo's). */
    async disableMfa(accountId: string, trx: Db = db): Promise<void> {
      await trx
        .updateTable('portal_accounts')
        .set({ mfa_method: null, mfa_enabled_at: null, totp_secret_enc: null, totp_last_step: null, pending_totp_secret_enc: null, pending_totp_created_at: null })
        .where('id', '=', accountId)
        .execute();
    },
  };
}

export type AccountsRepo = ReturnType<typeof createAccountsRepo>;

/** PostgreSQL's unique_violation, e.g. two registrations for one AWS account ID racing. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; constraint?: unknown };
  return e.code === '23505' && (constraint === undefined || e.constraint === constraint);
}
