import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validate, type ValidatedActivation, type ValidatedLicence, type ValidationCode } from './validation.rules.js';

const now = new Date('2026-06-01T12:00:00Z');
const DAY = 86_400_000;
const at = (days: number) => new Date(now.getTime() + days * DAY);
const GRACE = 7 * 86_400;

const licence = (change: Partial<ValidatedLicence> = {}): ValidatedLicence => ({ status: 'active', seats: 2, startsAt: at(-30), endsAt: at(30), ...change });
const alive = (change: Partial<ValidatedActivation> = {}): ValidatedActivation => ({ endedReason: null, staleAfter: at(0.01), seatRank: 1, ...change });

const table: { name: string; licence: ValidatedLicence | undefined; activation: ValidatedActivation | undefined; code: ValidationCode; valid: boolean }[] = [
  { name: 'active, counting', licence: licence(), activation: alive(), code: 'valid', valid: true },
  { name: 'no end date', licence: licence({ endsAt: null }), activation: alive(), code: 'valid', valid: true },
  { name: 'no such licence', licence: undefined, activation: undefined, code: 'unknown', valid: false },
  { name: 'revoked outranks everything', licence: licence({ status: 'revoked' }), activation: alive({ seatRank: 5 }), code: 'revoked', valid: false },
  { name: 'suspended', licence: licence({ status: 'suspended' }), activation: alive(), code: 'suspended', valid: false },
  { name: 'requested', licence: licence({ status: 'requested' }), activation: undefined, code: 'pending', valid: false },
  { name: 'starts later', licence: licence({ startsAt: at(2) }), activation: alive(), code: 'pending', valid: false },
  { name: 'past the end, within grace', licence: licence({ endsAt: at(-3) }), activation: alive(), code: 'grace_period', valid: true },
  { name: 'swept to expired, within grace', licence: licence({ status: 'expired', endsAt: at(-6.9) }), activation: alive(), code: 'grace_period', valid: true },
  { name: 'grace over', licence: licence({ endsAt: at(-7) }), activation: alive(), code: 'expired', valid: false },
  { name: 'expired outranks activation state', licence: licence({ status: 'expired', endsAt: at(-10) }), activation: undefined, code: 'expired', valid: false },
  { name: 'never activated', licence: licence(), activation: undefined, code: 'not_activated', valid: false },
  { name: 'deactivated', licence: licence(), activation: alive({ endedReason: 'deactivated', seatRank: null }), code: 'not_activated', valid: false },
  { name: 'deactivated by the owner', licence: licence(), activation: alive({ endedReason: 'deactivated_by_owner', seatRank: null }), code: 'not_activated', valid: false },
  { name: 'stale', licence: licence(), activation: alive({ staleAfter: now, seatRank: null }), code: 'heartbeat_dead', valid: false },
  { name: 'ended as stale', licence: licence(), activation: alive({ endedReason: 'stale', seatRank: null }), code: 'heartbeat_dead', valid: false },
  { name: 'last seat', licence: licence({ seats: 2 }), activation: alive({ seatRank: 2 }), code: 'valid', valid: true },
  { name: 'over the seats', licence: licence({ seats: 2 }), activation: alive({ seatRank: 3 }), code: 'too_many_activations', valid: false },
  { name: 'over the seats in grace', licence: licence({ seats: 1, endsAt: at(-1) }), activation: alive({ seatRank: 2 }), code: 'too_many_activations', valid: false },
];

for (const row of table) {
  test(`validation: ${row.name} → ${row.code}`, () => {
    const answer = validate({ licence: row.licence, activation: row.activation, now, graceSeconds: GRACE });
    assert.equal(answer.code, row.code);
    assert.equal(answer.valid, row.valid);
    assert.match(answer.detail, /^[A-Z].*\.$/);
  });
}

test('a grace period of zero: past the end is expired at once', () => {
  assert.equal(validate({ licence: licence({ endsAt: at(-0.001) }), activation: alive(), now, graceSeconds: 0 }).code, 'expired');
});
