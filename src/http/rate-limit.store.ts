import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { sql } from 'kysely';
import type { Clock } from '../core/clock.js';
import type { Db } from '../db/database.js';

/** Counters whose window ended this long ago are swept (windows here are a minute or so). */
const STALE_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * A store for @fastify/rate-limit that counts in PostgreSQL: every portal process on the database shares
 * one count per route and address (the plugin's default counts in each process's memory, so N processes
 * would allow N times the limit). Fixed windows; each hit is one atomic upsert.
 */
export function createRateLimitStore(deps: { db: Db; clock: Clock }) {
  async function hit(key: string, windowMs: number): Promise<{ current: number; ttl: number }> {
    const now = deps.clock.now();
    const windowOpen = new Date(now.getTime() - windowMs);
    const row = await deps.db
      .insertInto('rate_limit_counters')
      .values({ key, window_started_at: now, hits: 1 })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          // A window that has ended starts again at this hit.
          hits: sql<number>`case when rate_limit_counters.window_started_at <= ${windowOpen} then 1 else rate_limit_counters.hits + 1 end`,
          window_started_at: sql<Date>`case when rate_limit_counters.window_started_at <= ${windowOpen} then ${now}::timestamptz else rate_limit_counters.window_started_at end`,
        }),
      )
      .returning(['hits', 'window_started_at'])
      .executeTakeFirstOrThrow();
    return { current: row.hits, ttl: Math.max(0, row.window_started_at.getTime() + windowMs - now.getTime()) };
  }

  /** One store per limited route: the route is part of the key, so each route has its own count. */
  function storeFor(prefix: string): FastifyRateLimitStore {
    return {
      incr(key, callback, timeWindow) {
        hit(`${prefix}${key}`, timeWindow).then(
          (result) => callback(null, result),
          (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
        );
      },
      child: (options) => {
        // The plugin passes its merged options, the route under `routeInfo` (not the route, as its types say).
        const route = (options as unknown as { routeInfo?: { method?: unknown; url?: unknown } }).routeInfo;
        return storeFor(`${String(route?.method)} ${String(route?.url)}|`);
      },
    };
  }

  // The plugin constructs the store itself (`new store(options)`); the class closes over the database.
  const Store = function RateLimitStore() {
    return storeFor('');
  } as unknown as FastifyRateLimitStoreCtor;

  return {
    Store,
    /** Removes counters long past their window (the server's sweep). */
    async deleteStale(): Promise<number> {
      const result = await deps.db.deleteFrom('rate_limit_counters').where('window_started_at', '<', new Date(deps.clock.now().getTime() - STALE_AFTER_MS)).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
