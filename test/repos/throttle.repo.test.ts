/**
 * The throttle's row locks (src/throttle/throttle.repo.ts): attempts on one key from many connections at once
 * are all counted, and the lockout starts at exactly the policy's threshold however many race.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createThrottleRepo } from '../../src/throttle/throttle.repo.js';
import type { ThrottlePolicy } from '../../src/throttle/throttle.policy.js';
import { RACERS, scratchDb } from './scratch.js';

const db = await scratchDb('wsp_repo_throttle');
const throttle = createThrottleRepo(db);
const POLICY: ThrottlePolicy = { threshold: 5, capSeconds: 900, quietResetSeconds: 3600 };
const now = new Date('2030-01-01T12:00:00Z');

async function failures(key: string): Promise<number> {
  const row = await db.selectFrom('sign_in_throttles').select('failures').where('key', '=', key).executeTakeFirstOrThrow();
  return row.failures;
}

test('concurrent attempts on one key are all counted (no lost update), on a new row and on an existing one', async () => {
  const key = 'account:race-count';
  const attempt = () => throttle.beginAttempt([{ key, policy: { ...POLICY, threshold: 100 } }], now);
  // The first wave races to create the row, the second to update it.
  const first = await Promise.all(Array.from({ length: RACERS }, attempt));
  assert.ok(first.every((r) => r.allowed));
  assert.equal(await failures(key), RACERS);
  await Promise.all(Array.from({ length: RACERS }, attempt));
  assert.equal(await failures(key), 2 * RACERS);
});

test('two keys counted together, in any order, from many connections: each counts every attempt, nobody deadlocks', async () => {
  const a = { key: 'account:race-pair', policy: { ...POLICY, threshold: 100 } };
  const b = { key: 'address:203.0.113.9', policy: { ...POLICY, threshold: 100 } };
  const results = await Promise.all(Array.from({ length: RACERS }, (_, i) => throttle.beginAttempt(i % 2 === 0 ? [a, b] : [b, a], now)));
  assert.ok(results.every((r) => r.allowed));
  assert.equal(await failures(a.key), RACERS);
  assert.equal(await failures(b.key), RACERS);
});

test('of more concurrent attempts than the threshold, exactly the threshold get through and the lock follows', async () => {
  const key = 'account:race-lockout';
  const results = await Promise.all(Array.from({ length: 2 * POLICY.threshold + 2 }, () => throttle.beginAttempt([{ key, policy: POLICY }], now)));
  assert.equal(results.filter((r) => r.allowed).length, POLICY.threshold);
  const refused = results.filter((r) => !r.allowed);
  assert.equal(refused.length, POLICY.threshold + 2);
  // The attempt reaching the threshold set the first lock: 2^0 seconds.
  for (const r of refused) assert.deepEqual(r, { allowed: false, retryAt: new Date(now.getTime() + 1000) });
  assert.equal(await failures(key), POLICY.threshold, 'refused attempts are not counted');
});

test('a success settled while other attempts race leaves the account cleared and the address counting the failures only', async () => {
  const account = { key: 'account:race-settle', policy: POLICY };
  const address = { key: 'address:198.51.100.7', policy: { ...POLICY, threshold: 100 } };
  await Promise.all(Array.from({ length: 3 }, () => throttle.beginAttempt([account, address], now)));
  await Promise.all([throttle.settleSuccessfulAttempt(account.key, address), throttle.beginAttempt([address], now), throttle.beginAttempt([address], now)]);
  assert.equal(await db.selectFrom('sign_in_throttles').select('key').where('key', '=', account.key).executeTakeFirst(), undefined);
  // 3 counted with the account, 2 alone, 1 taken back by the success.
  assert.equal(await failures(address.key), 4);
});
