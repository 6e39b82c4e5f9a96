import type { Db } from '../db/database.js';
import { recoveryCodesLeft } from '../mfa/mfa.repo.js';

/**
 * The Settings page's read. A contact-email change is an email_verification_tokens row whose address differs
 * from the account's (written by accounts/account-tokens.repo): at most one is ever unused.
 */
export function createAccountSettingsRepo(db: Db) {
  return {
    /**
     * What the Settings page shows about the account, in one read of its row: contact email, MFA status
     * (with the unused recovery codes) and the address a change is waiting to be confirmed for, if any.
     */
    settingsAccount(accountId: string, now: Date, trx: Db = db) {
      return trx
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
  };
}

export type AccountSettingsRepo = ReturnType<typeof createAccountSettingsRepo>;
