import type { Db } from '../db/database.js';

export interface SessionWithAccount {
  tokenHash: string;
  accountId: string;
  awsAccountId: string;
  email: string;
  /** Changes whenever the account's licences change (a cache key for pages listing them). */
  licencesVersion: number;
  createdAt: Date;
  expiresAt: Date;
  lastSeenAt: Date;
}

export function createSessionsRepo(db: Db) {
  return {
    async insert(values: { tokenHash: string; accountId: string; now: Date; expiresAt: Date; ip: string; userAgent: string }, trx: Db = db) {
      await trx
        .insertInto('portal_sessions')
        .values({
          token_hash: values.tokenHash,
          account_id: values.accountId,
          created_at: values.now,
          expires_at: values.expiresAt,
          last_seen_at: values.now,
          ip: values.ip,
          user_agent: values.userAgent.slice(0, 512),
        })
        .execute();
    },

    async findWithAccount(tokenHash: string): Promise<SessionWithAccount | undefined> {
      const row = await db
        .selectFrom('portal_sessions as s')
        .innerJoin('portal_accounts as a', 'a.id', 's.account_id')
        .select(['s.token_hash', 's.account_id', 's.created_at', 's.expires_at', 's.last_seen_at', 'a.aws_account_id', 'a.email', 'a.disabled_at', 'a.licences_version'])
        .where('s.token_hash', '=', tokenHash)
        .executeTakeFirst();
      if (row === undefined || row.disabled_at !== null) return undefined;
      return {
        tokenHash: row.token_hash,
        accountId: row.account_id,
        awsAccountId: row.aws_account_id,
        email: row.email,
        licencesVersion: row.licences_version,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
        lastSeenAt: row.last_seen_at,
      };
    },

    async touch(tokenHash: string, now: Date, ip: string) {
      await db.updateTable('portal_sessions').set({ last_seen_at: now, ip }).where('token_hash', '=', tokenHash).execute();
    },

    async delete(tokenHash: string) {
      await db.deleteFrom('portal_sessions').where('token_hash', '=', tokenHash).execute();
    },

    async deleteAllForAccount(accountId: string, trx: Db = db) {
      await trx.deleteFrom('portal_sessions').where('account_id', '=', accountId).execute();
    },

    async deleteExpired(now: Date) {
      const result = await db.deleteFrom('portal_sessions').where('expires_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type SessionsRepo = ReturnType<typeof createSessionsRepo>;
