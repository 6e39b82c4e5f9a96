import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ACCOUNT_POLICY, backoffSeconds, decideAttempt, type ThrottleState } from './throttle.policy.js';

const t0 = new Date('2026-03-01T12:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

test('backoff: free below the threshold, then doubling from 1 s, capped at 15 minutes', () => {
  const table: [number, number][] = [[1, 0], [4, 0], [5, 1], [6, 2], [7, 4], [10, 32], [14, 512], [15, 900], [40, 900]];
  for (const [failures, seconds] of table) assert.equal(backoffSeconds(failures, ACCOUNT_POLICY), seconds, `after ${failures}`);
});

test('the 5th failure locks for 1 s; an attempt during the lock is refused without counting', () => {
  let state: ThrottleState | undefined;
  for (let i = 1; i <= 5; i++) {
    const decision = decideAttempt(state, ACCOUNT_POLICY, t0);
    assert.equal(decision.allowed, true);
    state = decision.next;
  }
  assert.ok(state);
  assert.equal(state.failures, 5);
  assert.deepEqual(state.lockedUntil, at(1));
  const refused = decideAttempt(state, ACCOUNT_POLICY, at(0.5));
  assert.deepEqual(refused, { allowed: false, retryAt: at(1) });
  const next = decideAttempt(state, ACCOUNT_POLICY, at(1));
  assert.equal(next.allowed, true);
  assert.deepEqual(next.next.lockedUntil, at(1 + 2));
});

test('a lock never lasts longer than the cap, however many failures', () => {
  const state: ThrottleState = { failures: 500, lockedUntil: null, lastFailureAt: t0 };
  const decision = decideAttempt(state, ACCOUNT_POLICY, t0);
  assert.ok(decision.allowed);
  assert.deepEqual(decision.next.lockedUntil, at(15 * 60));
});

test('failures are forgotten after a quiet period', () => {
  const state: ThrottleState = { failures: 9, lockedUntil: null, lastFailureAt: t0 };
  const decision = decideAttempt(state, ACCOUNT_POLICY, at(ACCOUNT_POLICY.quietResetSeconds + 1));
  assert.ok(decision.allowed);
  assert.equal(decision.next.failures, 1);
});
