import { cancelPendingEmailChange } from '../accounts/accounts.repo.js';
import type { Db } from '../db/database.js';
import { recoveryCodesLeft } from '../mfa/mfa.repo.js';

/**
 * Queries of the Settings page. A contact-email change is an email_verification_tokens row whose address
 * differs from the account's: at most one is ever unused (a new request spends the previous one, and a
 * confirmed change spends them all), so confirming the link (registration.service) knows it is a change.
 */
export function createAccountSettingsRepo(db: Db) {
  return {
    /**
     * What the Settings page shows about the account, in one read of its row: contact email, MFA status
     * (with the unused recovery codes) and the address a change is waiting to be confirmed for, if any.
     */
    settingsAccount(accountId: string, now: Date) {
      return db
        .selectFrom('portal_accounts as a')
        .select((eb) => [
          'a.aws_account_id',
          'a.email',
          'a.email_verified_at',
          'a.disabled_at',
          'a.mfa_method',
          'a.mfa_enabled_at',
          recoveryCodesLeft(eb),
          eb
            .selectFrom('email_verification_tokens as t')
            .select('t.email')
            .whereRef('t.account_id', '=', 'a.id')
            .where('t.used_at', 'is', null)
            .where('t.expires_at', '>', now)
            .whereRef('t.email', '<>', 'a.email')
            .orderBy('t.created_at', 'desc')
            .limit(1)
            .as('pending_email'),
        ])
        .where('a.id', '=', accountId)
        .executeTakeFirst();
    },

    /** Whether a change link was sent since `since` (to any address other than the current one). */
    async changeRequestedSince(accountId: string, currentEmail: string, since: Date): Promise<boolean> {
      const row = await db
        .selectFrom('email_verification_tokens')
        .select('created_at')
        .where('account_id', '=', accountId)
        .where('email', '<>', currentEmail)
        .where('created_at', '>', since)
        .executeTakeFirst();
      return row !== undefined;
    },

    /** Starts a change: an earlier pending change stops working, the new link is stored (hashed). */
    async replacePendingEmailChange(trx: Db, values: { accountId: string; currentEmail: string; email: string; tokenHash: string; now: Date; expiresAt: Date }): Promise<void> {
      await cancelPendingEmailChange(trx, values.accountId, values.currentEmail, values.now);
      await trx
        .insertInto('email_verification_tokens')
        .values({ token_hash: values.tokenHash, account_id: values.accountId, email: values.email, created_at: values.now, expires_at: values.expiresAt, used_at: null })
        .execute();
    },
  };
}

export type AccountSettingsRepo = ReturnType<typeof createAccountSettingsRepo>;
