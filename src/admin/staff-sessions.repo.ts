import type { Db } from '../db/database.js';
import type { StaffRole } from '../db/schema.js';

/** A live staff session with who it belongs to. */
export interface StaffSessionRecord {
  id: string;
  staffId: string;
  email: string;
  role: StaffRole;
  createdAt: Date;
  expiresAt: Date;
  lastSeenAt: Date;
}

/** staff_sessions and staff_sign_in_challenges (migration 0015); lookups by token hash only. */
export function createStaffSessionsRepo(db: Db) {
  return {
    async insert(values: { tokenHash: string; staffId: string; now: Date; expiresAt: Date; ip: string; userAgent: string }, trx: Db = db): Promise<void> {
      await trx
        .insertInto('staff_sessions')
        .values({ token_hash: values.tokenHash, staff_id: values.staffId, created_at: values.now, expires_at: values.expiresAt, last_seen_at: values.now, ip: values.ip, user_agent: values.userAgent.slice(0, 512) })
        .execute();
    },

    /** The session behind a token, unless it ended or its staff member is disabled or has no authenticator. */
    async find(tokenHash: string, trx: Db = db): Promise<StaffSessionRecord | undefined> {
      const row = await trx
        .selectFrom('staff_sessions as x')
        .innerJoin('staff_accounts as s', 's.id', 'x.staff_id')
        .select(['x.id', 'x.staff_id', 'x.created_at', 'x.expires_at', 'x.last_seen_at', 'x.ended_at', 's.email', 's.role', 's.disabled_at', 's.totp_enrolled_at'])
        .where('x.token_hash', '=', tokenHash)
        .executeTakeFirst();
      if (row === undefined || row.ended_at !== null || row.disabled_at !== null || row.totp_enrolled_at === null) return undefined;
      return { id: row.id, staffId: row.staff_id, email: row.email, role: row.role, createdAt: row.created_at, expiresAt: row.expires_at, lastSeenAt: row.last_seen_at };
    },

    async touch(id: string, now: Date, ip: string, trx: Db = db): Promise<void> {
      await trx.updateTable('staff_sessions').set({ last_seen_at: now, ip }).where('id', '=', id).execute();
    },

    async end(tokenHash: string, now: Date, trx: Db = db): Promise<void> {
      await trx.updateTable('staff_sessions').set({ ended_at: now }).where('token_hash', '=', tokenHash).where('ended_at', 'is', null).execute();
    },

    async endById(id: string, now: Date, trx: Db = db): Promise<void> {
      await trx.updateTable('staff_sessions').set({ ended_at: now }).where('id', '=', id).where('ended_at', 'is', null).execute();
    },

    /** Ends every session of the staff member; returns how many were open. */
    async endAllForStaff(staffId: string, now: Date, trx: Db = db): Promise<number> {
      const result = await trx.updateTable('staff_sessions').set({ ended_at: now }).where('staff_id', '=', staffId).where('ended_at', 'is', null).executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async deleteOld(before: Date, trx: Db = db): Promise<number> {
      const result = await trx.deleteFrom('staff_sessions').where('expires_at', '<=', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    // --- The pending TOTP step of a sign-in ---------------------------------------------------------

    async insertChallenge(values: { tokenHash: string; staffId: string; now: Date; expiresAt: Date }, trx: Db = db): Promise<void> {
      await trx.insertInto('staff_sign_in_challenges').values({ token_hash: values.tokenHash, staff_id: values.staffId, created_at: values.now, expires_at: values.expiresAt }).execute();
    },

    /** The staff member of a live challenge; none when it lapsed, or the password or authenticator changed since. */
    async findChallenge(tokenHash: string, now: Date, trx: Db = db): Promise<{ staffId: string; email: string } | undefined> {
      const row = await trx
        .selectFrom('staff_sign_in_challenges as c')
        .innerJoin('staff_accounts as s', 's.id', 'c.staff_id')
        .select(['c.staff_id', 'c.created_at', 's.email', 's.disabled_at', 's.password_changed_at', 's.totp_enrolled_at'])
        .where('c.token_hash', '=', tokenHash)
        .where('c.expires_at', '>', now)
        .executeTakeFirst();
      if (row === undefined || row.disabled_at !== null || row.totp_enrolled_at === null) return undefined;
      if ((row.password_changed_at !== null && row.created_at < row.password_changed_at) || row.created_at < row.totp_enrolled_at) return undefined;
      return { staffId: row.staff_id, email: row.email };
    },

    /** Spends the challenge; false if it was already spent. */
    async consumeChallenge(tokenHash: string, trx: Db = db): Promise<boolean> {
      const result = await trx.deleteFrom('staff_sign_in_challenges').where('token_hash', '=', tokenHash).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async deleteExpiredChallenges(now: Date, trx: Db = db): Promise<void> {
      await trx.deleteFrom('staff_sign_in_challenges').where('expires_at', '<=', now).execute();
    },
  };
}

export type StaffSessionsRepo = ReturnType<typeof createStaffSessionsRepo>;
