import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Clock } from '../core/clock.js';
import type { RateLimitCountersRepo } from './rate-limit-counters.repo.js';

/** Counters whose window ended this long ago are swept (windows here are a minute or so). */
const STALE_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * A store for @fastify/rate-limit that counts in PostgreSQL: every portal process on the database shares
 * one count per route and address (the plugin's default counts in each process's memory, so N processes
 * would allow N times the limit). Fixed windows; each hit is one atomic upsert.
 */
export function createRateLimitStore(deps: { counters: RateLimitCountersRepo; clock: Clock }) {
  async function hit(key: string, windowMs: number): Promise<{ current: number; ttl: number }> {
    const now = deps.clock.now();
    const row = await deps.counters.hit(key, now, windowMs);
    return { current: row.hits, ttl: Math.max(0, row.windowStartedAt.getTime() + windowMs - now.getTime()) };
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
    deleteStale: (): Promise<number> => deps.counters.deleteStartedBefore(new Date(deps.clock.now().getTime() - STALE_AFTER_MS)),
  };
}
