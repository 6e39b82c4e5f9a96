import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { ACCOUNT_POLICY, ADDRESS_POLICY, decideAttempt, type ThrottlePolicy, type ThrottleState } from './throttle.policy.js';

export interface ThrottleKey {
  key: string;
  policy: ThrottlePolicy;
}

export type AttemptResult = { allowed: true } | { allowed: false; retryAt: Date };

/** The brute-force counters (sign_in_throttles), shared by sign-in, registration, password re-entry and MFA codes. */
export function createThrottleRepo(db: Db) {
  return {
    /**
     * Counts an attempt against every key at once, atomically: one upsert creates missing rows and locks and
     * reads them all (in key order, so concurrent attempts cannot deadlock or both pass), the pure policy
     * decides, one update writes the counts. If any key is locked, nothing is counted. Its own transaction:
     * the rows must be locked only for the count, never across the caller's (slow) password check.
     */
    beginAttempt: (keys: ThrottleKey[], now: Date) => beginAttempt(db, keys, now),

    /**
     * The attempt succeeded: the account's count is cleared, and the address's pre-counted failure is taken
     * back with the lock it may have set. Two single-row statements, each atomic on its own: holding both rows
     * at once could deadlock with a concurrent beginAttempt, which locks them in the other order.
     */
    settleSuccessfulAttempt: (accountKey: string, address: ThrottleKey) => settleSuccessfulAttempt(db, accountKey, address),
  };
}

export type ThrottleRepo = ReturnType<typeof createThrottleRepo>;

async function beginAttempt(db: Db, keys: ThrottleKey[], now: Date): Promise<AttemptResult> {
  const ordered = [...keys].sort((a, b) => a.key.localeCompare(b.key));
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .insertInto('sign_in_throttles')
      .values(ordered.map(({ key }) => ({ key, failures: 0, locked_until: null, last_failure_at: new Date(0) })))
      // A no-op update, so the statement takes the row lock and returns the existing row.
      .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ key: eb.ref('excluded.key') })))
      .returningAll()
      .execute();
    const updates: { key: string; state: ThrottleState }[] = [];
    let retryAt: Date | undefined;
    for (const { key, policy } of ordered) {
      const row = rows.find((r) => r.key === key);
      const state = row && { failures: row.failures, lockedUntil: row.locked_until, lastFailureAt: row.last_failure_at };
      const decision = decideAttempt(state, policy, now);
      if (!decision.allowed) retryAt = retryAt && retryAt > decision.retryAt ? retryAt : decision.retryAt;
      else updates.push({ key, state: decision.next });
    }
    if (retryAt !== undefined) return { allowed: false, retryAt };
    const values = sql.join(updates.map(({ key, state }) => sql`(${key}, ${state.failures}::integer, ${state.lockedUntil}::timestamptz, ${state.lastFailureAt}::timestamptz)`));
    await sql`
      update sign_in_throttles as t
      set failures = v.failures, locked_until = v.locked_until, last_failure_at = v.last_failure_at
      from (values ${values}) as v (key, failures, locked_until, last_failure_at)
      where t.key = v.key
    `.execute(trx);
    return { allowed: true };
  });
}

async function settleSuccessfulAttempt(db: Db, accountKey: string, address: ThrottleKey): Promise<void> {
  await db.deleteFrom('sign_in_throttles').where('key', '=', accountKey).execute();
  await sql`
    update sign_in_throttles
    set failures = greatest(failures - 1, 0),
        locked_until = case when failures - 1 >= ${address.policy.threshold} then locked_until else null end
    where key = ${address.key}
  `.execute(db);
}

export type ThrottledResult<T> = { locked: true; retryAt: Date } | { locked: false; result: T };

/**
 * A secret checked under the brute-force policy, as sign-in checks passwords: the attempt is counted
 * (per account key and per source address) before `check` runs, nothing is checked while locked, and an
 * `ok` result is settled like a successful sign-in. Used for re-entered passwords and MFA codes.
 */
export async function throttledCheck<T extends { ok: boolean }>(throttle: ThrottleRepo, now: Date, keys: { accountKey: string; ip: string }, check: () => Promise<T>): Promise<ThrottledResult<T>> {
  const addressKey = { key: `address:${keys.ip}`, policy: ADDRESS_POLICY };
  const attempt = await throttle.beginAttempt([{ key: keys.accountKey, policy: ACCOUNT_POLICY }, addressKey], now);
  if (!attempt.allowed) return { locked: true, retryAt: attempt.retryAt };
  const result = await check();
  if (result.ok) await throttle.settleSuccessfulAttempt(keys.accountKey, addressKey);
  return { locked: false, result };
}
