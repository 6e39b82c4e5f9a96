import type { Db } from '../db/database.js';
import type { MfaStatus } from './mfa.section.js';

/** Queries for MFA state kept on the account row and in mfa_recovery_codes. */
export function createMfaRepo(db: Db) {
  return {
    async status(accountId: string): Promise<MfaStatus> {
      const row = await db
        .selectFrom('portal_accounts as a')
        .select((eb) => [
          'a.mfa_method',
          'a.mfa_enabled_at',
          eb.selectFrom('mfa_recovery_codes as r').select((e) => e.fn.countAll<string>().as('n')).whereRef('r.account_id', '=', 'a.id').where('r.used_at', 'is', null).as('codes_left'),
        ])
        .where('a.id', '=', accountId)
        .executeTakeFirstOrThrow();
      return { method: row.mfa_method, enabledAt: row.mfa_enabled_at, recoveryCodesLeft: Number(row.codes_left ?? 0) };
    },
  };
}

export type MfaRepo = ReturnType<typeof createMfaRepo>;
