import type { Db } from '../db/database.js';
import { decideAttempt, settleSuccess, type ThrottlePolicy, type ThrottleState } from './throttle.policy.js';

export interface ThrottleKey {
  key: string;
  policy: ThrottlePolicy;
}

export type AttemptResult = { allowed: true } | { allowed: false; retryAt: Date };

/**
 * Counts an attempt against every key at once, atomically (rows locked in key order, so concurrent
 * attempts cannot deadlock or both pass). If any key is locked, nothing is counted.
 */
export async function beginAttempt(db: Db, keys: ThrottleKey[], now: Date): Promise<AttemptResult> {
  const ordered = [...keys].sort((a, b) => a.key.localeCompare(b.key));
  return db.transaction().execute(async (trx) => {
    await trx
      .insertInto('sign_in_throttles')
      .values(ordered.map(({ key }) => ({ key, failures: 0, locked_until: null, last_failure_at: new Date(0) })))
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    const rows = await trx
      .selectFrom('sign_in_throttles')
      .selectAll()
      .where('key', 'in', ordered.map((k) => k.key))
      .orderBy('key')
      .forUpdate()
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
    for (const { key, state } of updates) await writeState(trx, key, state);
    return { allowed: true };
  });
}

/** The attempt succeeded: the account's count is cleared, the address's pre-counted failure taken back. */
export async function settleSuccessfulAttempt(db: Db, accountKey: string, address: ThrottleKey): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('sign_in_throttles').where('key', '=', accountKey).execute();
    const row = await trx.selectFrom('sign_in_throttles').selectAll().where('key', '=', address.key).forUpdate().executeTakeFirst();
    if (row === undefined) return;
    const next = settleSuccess({ failures: row.failures, lockedUntil: row.locked_until, lastFailureAt: row.last_failure_at }, address.policy);
    await writeState(trx, address.key, next);
  });
}

async function writeState(db: Db, key: string, state: ThrottleState): Promise<void> {
  await db
    .updateTable('sign_in_throttles')
    .set({ failures: state.failures, locked_until: state.lockedUntil, last_failure_at: state.lastFailureAt })
    .where('key', '=', key)
    .execute();
}
