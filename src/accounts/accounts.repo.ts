import type { Db } from '../db/database.js';
import type { PortalAccountRow } from '../db/schema.js';

/** A pending contact-email change (an unused link to an address other than the current one) stops working. */
export async function cancelPendingEmailChange(trx: Db, accountId: string, currentEmail: string, now: Date): Promise<void> {
  await trx.updateTable('email_verification_tokens').set({ used_at: now }).where('account_id', '=', accountId).where('used_at', 'is', null).where('email', '<>', currentEmail).execute();
}

/**
 * Every outstanding password reset and email verification link of the account stops working. After a
 * password change or a confirmed contact-email change, a link sent earlier (perhaps to an address the owner
 * no longer holds, or read by whoever knew the old password) must not reset the password or move the address.
 */
async function spendOutstandingLinks(trx: Db, accountId: string, now: Date): Promise<void> {
  await trx.updateTable('password_reset_tokens').set({ used_at: now }).where('account_id', '=', accountId).where('used_at', 'is', null).execute();
  await trx.updateTable('email_verification_tokens').set({ used_at: now }).where('account_id', '=', accountId).where('used_at', 'is', null).execute();
}

export function createAccountsRepo(db: Db) {
  return {
    findByAwsAccountId(awsAccountId: string): Promise<PortalAccountRow | undefined> {
      return db.selectFrom('portal_accounts').selectAll().where('aws_account_id', '=', awsAccountId).executeTakeFirst();
    },

    findById(id: string, trx: Db = db): Promise<PortalAccountRow | undefined> {
      return trx.selectFrom('portal_accounts').selectAll().where('id', '=', id).executeTakeFirst();
    },

    /** `oneTimePasswordExpiresAt`: the password is a staff one-time password, to be replaced at the first sign-in. */
    async insert(trx: Db, values: { awsAccountId: string; email: string; passwordHash: string; now: Date; oneTimePasswordExpiresAt?: Date }): Promise<PortalAccountRow> {
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
    async setPassword(trx: Db, accountId: string, passwordHash: string, now: Date): Promise<void> {
      await trx
        .updateTable('portal_accounts')
        .set({ password_hash: passwordHash, password_changed_at: now, must_change_password: false, one_time_password_expires_at: null })
        .where('id', '=', accountId)
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx.insertInto('password_history').values({ account_id: accountId, password_hash: passwordHash, created_at: now }).execute();
      await spendOutstandingLinks(trx, accountId, now);
    },

    /** The hashes of the account's most recent passwords, newest first (the current one included). */
    async recentPasswordHashes(accountId: string, count: number): Promise<string[]> {
      const rows = await db.selectFrom('password_history').select('password_hash').where('account_id', '=', accountId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(count).execute();
      return rows.map((r) => r.password_hash);
    },

    async markEmailVerified(trx: Db, accountId: string, email: string, now: Date): Promise<void> {
      await trx.updateTable('portal_accounts').set({ email_verified_at: now }).where('id', '=', accountId).where('email', '=', email).execute();
    },

    /**
     * A confirmed contact-email change: the new address is proven, and every other outstanding link stops
     * working, password reset links sent to the old address included (the link confirmed is already spent).
     */
    async changeEmail(trx: Db, accountId: string, email: string, now: Date): Promise<void> {
      await trx.updateTable('portal_accounts').set({ email, email_verified_at: now }).where('id', '=', accountId).execute();
      await spendOutstandingLinks(trx, accountId, now);
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
