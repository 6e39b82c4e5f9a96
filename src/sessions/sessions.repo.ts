import type { Db } from '../db/database.js';

export interface SessionWithAccount {
  /** A stable public id (the token hash never leaves the server). */
  id: string;
  tokenHash: string;
  accountId: string;
  awsAccountId: string;
  email: string;
  /** Signed in with a one-time password from staff: nothing but choosing a new password is allowed. */
  mustChangePassword: boolean;
  hasMfa: boolean;
  /** The portal requires MFA of customers and this account has none: nothing but setting it up is allowed (the session service decides). */
  mfaSetupRequired: boolean;
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

    async findWithAccount(tokenHash: string, trx: Db = db): Promise<SessionWithAccount | undefined> {
      const row = await trx
        .selectFrom('portal_sessions as s')
        .innerJoin('portal_accounts as a', 'a.id', 's.account_id')
        .select(['s.id', 's.token_hash', 'a.must_change_password', 's.account_id', 's.created_at', 's.expires_at', 's.last_seen_at', 'a.aws_account_id', 'a.email', 'a.disabled_at', 'a.licences_version', 'a.mfa_method'])
        .where('s.token_hash', '=', tokenHash)
        .executeTakeFirst();
      if (row === undefined || row.disabled_at !== null) return undefined;
      return {
        id: row.id,
        tokenHash: row.token_hash,
        accountId: row.account_id,
        awsAccountId: row.aws_account_id,
        email: row.email,
        mustChangePassword: row.must_change_password,
        hasMfa: row.mfa_method !== null,
        // Known only with the portal settings: the session service sets it.
        mfaSetupRequired: false,
        licencesVersion: row.licences_version,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
        lastSeenAt: row.last_seen_at,
      };
    },

    async touch(tokenHash: string, now: Date, ip: string, trx: Db = db) {
      await trx.updateTable('portal_sessions').set({ last_seen_at: now, ip }).where('token_hash', '=', tokenHash).execute();
    },

    async delete(tokenHash: string, trx: Db = db) {
      await trx.deleteFrom('portal_sessions').where('token_hash', '=', tokenHash).execute();
    },

    async deleteAllForAccount(accountId: string, trx: Db = db) {
      await trx.deleteFrom('portal_sessions').where('account_id', '=', accountId).execute();
    },

    /** The account's unexpired sessions, most recently used first. */
    listForAccount(accountId: string, now: Date, trx: Db = db) {
      return trx
        .selectFrom('portal_sessions')
        .select(['id', 'token_hash', 'created_at', 'last_seen_at', 'expires_at', 'ip', 'user_agent'])
        .where('account_id', '=', accountId)
        .where('expires_at', '>', now)
        .orderBy('last_seen_at', 'desc')
        .execute();
    },

    /** Ends one of the account's sessions by its public id; false when there was none (e.g. already ended). */
    async deleteById(accountId: string, id: string, trx: Db = db): Promise<boolean> {
      const result = await trx.deleteFrom('portal_sessions').where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    /** Ends every session of the account except the one given (the browser making the change). */
    async deleteOthers(accountId: string, keepTokenHash: string, trx: Db = db): Promise<number> {
      const result = await trx.deleteFrom('portal_sessions').where('account_id', '=', accountId).where('token_hash', '<>', keepTokenHash).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async deleteExpired(now: Date, trx: Db = db) {
      const result = await trx.deleteFrom('portal_sessions').where('expires_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type SessionsRepo = ReturnType<typeof createSessionsRepo>;
