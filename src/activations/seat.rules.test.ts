import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseLicence, countsAgainstSeats, deactivationWaitSeconds, needsFreshFile, type SeatCandidate } from './seat.rules.js';

const now = new Date('2026-06-01T12:00:00Z');
const DAY = 86_400_000;
const at = (days: number) => new Date(now.getTime() + days * DAY);
const lic = (id: string, change: Partial<SeatCandidate> = {}): SeatCandidate => ({ id, status: 'active', seats: 2, seatsInUse: 0, startsAt: at(-1), endsAt: at(30), ...change });

test('an activation counts while not ended and within its stale window', () => {
  assert.equal(countsAgainstSeats({ endedAt: null, staleAfter: at(0.001) }, now), true);
  assert.equal(countsAgainstSeats({ endedAt: null, staleAfter: now }, now), false);
  assert.equal(countsAgainstSeats({ endedAt: at(-1), staleAfter: at(1) }, now), false);
});

test('the usable licence with a free seat that runs longest is chosen; no end date runs longest', () => {
  const choice = chooseLicence([lic('short', { endsAt: at(10) }), lic('forever', { endsAt: null }), lic('long', { endsAt: at(300) })], undefined, now);
  assert.deepEqual(choice.ok && choice.licence.id, 'forever');
  const full = chooseLicence([lic('a', { endsAt: null, seatsInUse: 2 }), lic('b', { endsAt: at(5) })], undefined, now);
  assert.deepEqual(full.ok && full.licence.id, 'b');
});

test('nothing to take: the most telling refusal', () => {
  const refusal = (licences: SeatCandidate[], id?: string) => {
    const choice = chooseLicence(licences, id, now);
    return choice.ok ? 'ok' : choice.code;
  };
  assert.equal(refusal([]), 'no_licence');
  assert.equal(refusal([lic('a', { seatsInUse: 2 }), lic('b', { status: 'suspended' })]), 'no_free_seat');
  assert.equal(refusal([lic('a', { status: 'requested' }), lic('b', { status: 'revoked' })]), 'licence_pending');
  assert.equal(refusal([lic('a', { status: 'suspended' }), lic('b', { status: 'expired' })]), 'licence_suspended');
  assert.equal(refusal([lic('a', { endsAt: at(-1), startsAt: at(-10) })]), 'licence_expired');
  assert.equal(refusal([lic('a', { status: 'revoked' })]), 'licence_revoked');
  assert.equal(refusal([lic('a', { startsAt: at(1) })]), 'licence_pending');
  // Asked for by ID: that licence's own state, and another account's ID is simply not found.
  assert.equal(refusal([lic('a'), lic('b', { seatsInUse: 2 })], 'b'), 'no_free_seat');
  assert.equal(refusal([lic('a')], 'someone-elses'), 'no_licence');
  assert.equal(refusal([lic('a', { status: 'suspended' }), lic('b')], 'a'), 'licence_suspended');
});

test('the deactivation limit: the wait is until enough of the day\'s deactivations leave the 24-hour window', () => {
  const ago = (hours: number) => new Date(now.getTime() - hours * 3_600_000);
  assert.equal(deactivationWaitSeconds([ago(1), ago(2), ago(3), ago(4)], 5, now), 0);
  assert.equal(deactivationWaitSeconds([ago(1), ago(2), ago(3), ago(4), ago(20)], 5, now), 4 * 3600);
  assert.equal(deactivationWaitSeconds([ago(1), ago(2), ago(3), ago(4), ago(5), ago(20)], 5, now), 19 * 3600);
});

test('a licence file is replaced once past half its life', () => {
  assert.equal(needsFreshFile({ issuedAt: null, expiresAt: null }, now), true);
  assert.equal(needsFreshFile({ issuedAt: at(-14), expiresAt: at(16) }, now), false);
  assert.equal(needsFreshFile({ issuedAt: at(-15), expiresAt: at(15) }, now), true);
});
