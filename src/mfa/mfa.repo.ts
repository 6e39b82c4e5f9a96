import type { ExpressionBuilder } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database, MfaMethod, PortalAccountsTable } from '../db/schema.js';
import type { MfaStatus } from './mfa.section.js';

export interface MfaAccount {
  id: string;
  awsAccountId: string;
  email: string;
  method: MfaMethod | null;
  totpSecretSealed: string | null;
  pendingTotpSealed: string | null;
  pendingTotpCreatedAt: Date | null;
}

/** How many unused recovery codes the account has: a column for a query on `portal_accounts as a`. */
export function recoveryCodesLeft(eb: ExpressionBuilder<Database & { a: PortalAccountsTable }, 'a'>) {
  return eb.selectFrom('mfa_recovery_codes as r').select((e) => e.fn.countAll<number>().as('n')).whereRef('r.account_id', '=', 'a.id').where('r.used_at', 'is', null).as('recovery_codes_left');
}

/** The MFA status of an account row read with the MFA columns and recoveryCodesLeft. */
export function mfaStatusOf(row: { mfa_method: MfaMethod | null; mfa_enabled_at: Date | null; recovery_codes_left: number | null }): MfaStatus {
  return { method: row.mfa_method, enabledAt: row.mfa_enabled_at, recoveryCodesLeft: row.recovery_codes_left ?? 0 };
}

/** MFA state: reads of portal_accounts' MFA columns (written by accounts.repo) and the mfa_recovery_codes table. */
export function createMfaRepo(db: Db) {
  return {
    async method(accountId: string, trx: Db = db): Promise<MfaMethod | null> {
      const row = await trx.selectFrom('portal_accounts').select('mfa_method').where('id', '=', accountId).executeTakeFirstOrThrow();
      return row.mfa_method;
    },

    /** The account's row, locked until the transaction ends (serialises work per account). */
    lockAccount(accountId: string, trx: Db = db): Promise<{ email: string; aws_account_id: string }> {
      return trx.selectFrom('portal_accounts').select(['aws_account_id', 'email']).where('id', '=', accountId).forUpdate().executeTakeFirstOrThrow();
    },

    async account(accountId: string, trx: Db = db): Promise<MfaAccount | undefined> {
      const row = await trx
        .selectFrom('portal_accounts')
        .select(['id', 'aws_account_id', 'email', 'mfa_method', 'totp_secret_enc', 'pending_totp_secret_enc', 'pending_totp_created_at'])
        .where('id', '=', accountId)
        .executeTakeFirst();
      return (
        row && {
          id: row.id,
          awsAccountId: row.aws_account_id,
          email: row.email,
          method: row.mfa_method,
          totpSecretSealed: row.totp_secret_enc,
          pendingTotpSealed: row.pending_totp_secret_enc,
          pendingTotpCreatedAt: row.pending_totp_created_at,
        }
      );
    },

    /** The account's recovery codes stop working (MFA turned off). */
    async deleteRecoveryCodes(accountId: string, trx: Db = db): Promise<void> {
      await trx.deleteFrom('mfa_recovery_codes').where('account_id', '=', accountId).execute();
    },

    /** The old set stops working in the same transaction as the new one is stored. */
    async replaceRecoveryCodes(accountId: string, hashes: string[], now: Date, trx: Db = db): Promise<void> {
      await trx.deleteFrom('mfa_recovery_codes').where('account_id', '=', accountId).execute();
      await trx
        .insertInto('mfa_recovery_codes')
        .values(hashes.map((code_hash) => ({ account_id: accountId, code_hash, created_at: now, used_at: null })))
        .execute();
    },

    /** Spends a recovery code; false if there is no such unused code. One statement, so a code works once. */
    async spendRecoveryCode(accountId: string, codeHash: string, now: Date, trx: Db = db): Promise<boolean> {
      const result = await trx
        .updateTable('mfa_recovery_codes')
        .set({ used_at: now })
        .where('account_id', '=', accountId)
        .where('code_hash', '=', codeHash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
  };
}

export type MfaRepo = ReturnType<typeof createMfaRepo>;
