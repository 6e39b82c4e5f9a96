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

/** Queries for MFA state: columns of portal_accounts and the mfa_recovery_codes table. */
export function createMfaRepo(db: Db) {
  return {
    async method(accountId: string): Promise<MfaMethod | null> {
      const row = await db.selectFrom('portal_accounts').select('mfa_method').where('id', '=', accountId).executeTakeFirstOrThrow();
      return row.mfa_method;
    },

    /** The account's row, locked until the transaction ends (serialises work per account). */
    lockAccount(trx: Db, accountId: string): Promise<{ email: string; aws_account_id: string }> {
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

    async setPendingTotp(accountId: string, sealed: string, now: Date): Promise<void> {
      await db.updateTable('portal_accounts').set({ pending_totp_secret_enc: sealed, pending_totp_created_at: now }).where('id', '=', accountId).execute();
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
    async enable(trx: Db, accountId: string, method: MfaMethod, now: Date, totp?: { sealed: string; step: number }): Promise<boolean> {
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

    async disable(trx: Db, accountId: string): Promise<void> {
      await trx
        .updateTable('portal_accounts')
        .set({ mfa_method: null, mfa_enabled_at: null, totp_secret_enc: null, totp_last_step: null, pending_totp_secret_enc: null, pending_totp_created_at: null })
        .where('id', '=', accountId)
        .execute();
      await trx.deleteFrom('mfa_recovery_codes').where('account_id', '=', accountId).execute();
    },

    /** The old set stops working in the same transaction as the new one is stored. */
    async replaceRecoveryCodes(trx: Db, accountId: string, hashes: string[], now: Date): Promise<void> {
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
