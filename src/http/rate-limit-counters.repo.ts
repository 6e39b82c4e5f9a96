import { sql } from 'kysely';
import type { Db } from '../db/database.js';

/** Fixed-window request counters shared by every portal process (table rate_limit_counters). */
export function createRateLimitCountersRepo(db: Db) {
  return {
    /** Counts one hit in one atomic upsert; a window that has ended starts again at this hit. */
    async hit(key: string, now: Date, windowMs: number, trx: Db = db): Promise<{ hits: number; windowStartedAt: Date }> {
      const windowOpen = new Date(now.getTime() - windowMs);
      const row = await trx
        .insertInto('rate_limit_counters')
        .values({ key, window_started_at: now, hits: 1 })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            hits: sql<number>`case when rate_limit_counters.window_started_at <= ${windowOpen} then 1 else rate_limit_counters.hits + 1 end`,
            window_started_at: sql<Date>`case when rate_limit_counters.window_started_at <= ${windowOpen} then ${now}::timestamptz else rate_limit_counters.window_started_at end`,
          }),
        )
        .returning(['hits', 'window_started_at'])
        .executeTakeFirstOrThrow();
      return { hits: row.hits, windowStartedAt: row.window_started_at };
    },

    /** The hits counted in the key's current window, without counting one (0 once the window has ended). */
    async peek(key: string, now: Date, windowMs: number, trx: Db = db): Promise<{ hits: number; windowStartedAt: Date } | undefined> {
      const row = await trx.selectFrom('rate_limit_counters').select(['hits', 'window_started_at']).where('key', '=', key).where('window_started_at', '>', new Date(now.getTime() - windowMs)).executeTakeFirst();
      return row === undefined ? undefined : { hits: row.hits, windowStartedAt: row.window_started_at };
    },

    async deleteStartedBefore(cutoff: Date, trx: Db = db): Promise<number> {
      const result = await trx.deleteFrom('rate_limit_counters').where('window_started_at', '<', cutoff).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type RateLimitCountersRepo = ReturnType<typeof createRateLimitCountersRepo>;
