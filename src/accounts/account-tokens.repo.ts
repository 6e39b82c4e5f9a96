import type { Db } from '../db/database.js';

/**
 * The account's emailed links, stored hashed: password reset links (password_reset_tokens) and email
 * verification links (email_verification_tokens). A verification link for an address other than the
 * account's is a contact-email change from Settings: at most one is ever unused (a new request spends the
 * previous one, and a confirmed change spends them all), so confirming the link knows it is a change.
 * Each link works once: spending it is one conditional update, so of two requests racing, one wins.
 */
export function createAccountTokensRepo(db: Db) {
  return {
    findResetToken(tokenHash: string, trx: Db = db) {
      return trx.selectFrom('password_reset_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    },

    /** Whether a reset link was sent to the account since `since` (the once-a-minute limit). */
    async resetRequestedSince(accountId: string, since: Date, trx: Db = db): Promise<boolean> {
      const row = await trx.selectFrom('password_reset_tokens').select('created_at').where('account_id', '=', accountId).where('created_at', '>', since).executeTakeFirst();
      return row !== undefined;
    },

    async insertResetToken(values: { tokenHash: string; accountId: string; now: Date; expiresAt: Date }, trx: Db = db): Promise<void> {
      await trx.insertInto('password_reset_tokens').values({ token_hash: values.tokenHash, account_id: values.accountId, created_at: values.now, expires_at: values.expiresAt, used_at: null }).execute();
    },

    /** Spends an unexpired, unused reset link; false if it was not (only one request can flip used_at from null). */
    async spendResetToken(tokenHash: string, now: Date, trx: Db = db): Promise<boolean> {
      const used = await trx.updateTable('password_reset_tokens').set({ used_at: now }).where('token_hash', '=', tokenHash).where('used_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
      return used.numUpdatedRows === 1n;
    },

    findVerificationToken(tokenHash: string, trx: Db = db) {
      return trx.selectFrom('email_verification_tokens').select(['email', 'expires_at', 'used_at']).where('token_hash', '=', tokenHash).executeTakeFirst();
    },

    async insertVerificationToken(values: { tokenHash: string; accountId: string; email: string; now: Date; expiresAt: Date }, trx: Db = db): Promise<void> {
      await trx
        .insertInto('email_verification_tokens')
        .values({ token_hash: values.tokenHash, account_id: values.accountId, email: values.email, created_at: values.now, expires_at: values.expiresAt, used_at: null })
        .execute();
    },

    /** Spends an unexpired, unused verification link: what it verifies, or undefined when it was not usable (or just spent by another request). */
    spendVerificationToken(tokenHash: string, now: Date, trx: Db = db): Promise<{ account_id: string; email: string } | undefined> {
      return trx
        .updateTable('email_verification_tokens')
        .set({ used_at: now })
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .returning(['account_id', 'email'])
        .executeTakeFirst();
    },

    /** Whether a change link was sent since `since` (to any address other than the current one). */
    async emailChangeRequestedSince(accountId: string, currentEmail: string, since: Date, trx: Db = db): Promise<boolean> {
      const row = await trx
        .selectFrom('email_verification_tokens')
        .select('created_at')
        .where('account_id', '=', accountId)
        .where('email', '<>', currentEmail)
        .where('created_at', '>', since)
        .executeTakeFirst();
      return row !== undefined;
    },

    /** Starts a change: an earlier pending change (an unused link to an address other than the current one) stops working, the new link is stored. */
    async replacePendingEmailChange(values: { accountId: string; currentEmail: string; email: string; tokenHash: string; now: Date; expiresAt: Date }, trx: Db = db): Promise<void> {
      await trx
        .updateTable('email_verification_tokens')
        .set({ used_at: values.now })
        .where('account_id', '=', values.accountId)
        .where('used_at', 'is', null)
        .where('email', '<>', values.currentEmail)
        .execute();
      await trx
        .insertInto('email_verification_tokens')
        .values({ token_hash: values.tokenHash, account_id: values.accountId, email: values.email, created_at: values.now, expires_at: values.expiresAt, used_at: null })
        .execute();
    },

    /**
     * Every outstanding password reset and email verification link of the account stops working. After a
     * password change or a confirmed contact-email change, a link sent earlier (perhaps to an address the owner
     * no longer holds, or read by whoever knew the old password) must not reset the password or move the address.
     */
    async spendOutstandingLinks(accountId: string, now: Date, trx: Db = db): Promise<void> {
      await trx.updateTable('password_reset_tokens').set({ used_at: now }).where('account_id', '=', accountId).where('used_at', 'is', null).execute();
      await trx.updateTable('email_verification_tokens').set({ used_at: now }).where('account_id', '=', accountId).where('used_at', 'is', null).execute();
    },
  };
}

export type AccountTokensRepo = ReturnType<typeof createAccountTokensRepo>;
