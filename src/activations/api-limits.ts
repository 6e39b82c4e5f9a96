import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { RateLimitCountersRepo } from '../http/rate-limit-counters.repo.js';

/**
 * The licence API's request limits, counted in PostgreSQL so every portal process shares them. Generous per
 * address (a fleet behind one NAT address), tighter per instance, and tight on identity documents that fail
 * verification (someone probing with forged documents).
 */
export const API_LIMITS = {
  perAddress: { max: 120, windowMs: 60_000 },
  perInstance: { max: 30, windowMs: 60_000 },
  identityFailuresPerAddress: { max: 10, windowMs: 10 * 60_000 },
} as const;

type Limit = { max: number; windowMs: number };

export function createApiLimits(deps: { counters: RateLimitCountersRepo; clock: Clock }) {
  const tooMany = (windowStartedAt: Date, limit: Limit, detail: string) => {
    const retryAfterSeconds = (windowStartedAt.getTime() + limit.windowMs - deps.clock.now().getTime()) / 1000;
    return new AppError('too_many_requests', detail, 429, {}, { retryAfterSeconds });
  };

  /** Counts one request against the key; over the limit it is refused (429 with Retry-After). */
  async function count(key: string, limit: Limit, detail: string): Promise<void> {
    const { hits, windowStartedAt } = await deps.counters.hit(key, deps.clock.now(), limit.windowMs);
    if (hits > limit.max) throw tooMany(windowStartedAt, limit, detail);
  }

  return {
    /** Before anything else of an identity-proving call: the address's budget, and its record of failed proofs. */
    async admitAddress(ip: string): Promise<void> {
      const failures = await deps.counters.peek(`api-identity-fail:${ip}`, deps.clock.now(), API_LIMITS.identityFailuresPerAddress.windowMs);
      if (failures !== undefined && failures.hits >= API_LIMITS.identityFailuresPerAddress.max) {
        throw tooMany(failures.windowStartedAt, API_LIMITS.identityFailuresPerAddress, 'Too many identity documents from your network failed verification. Please wait and try again.');
      }
      await count(`api-address:${ip}`, API_LIMITS.perAddress, 'Too many licence API requests from your network. Please wait a moment and try again.');
    },

    async admitInstance(instanceId: string): Promise<void> {
      await count(`api-instance:${instanceId}`, API_LIMITS.perInstance, 'Too many licence API requests for this instance. Please wait a moment and try again.');
    },

    async recordIdentityFailure(ip: string): Promise<void> {
      await deps.counters.hit(`api-identity-fail:${ip}`, deps.clock.now(), API_LIMITS.identityFailuresPerAddress.windowMs);
    },
  };
}

export type ApiLimits = ReturnType<typeof createApiLimits>;
