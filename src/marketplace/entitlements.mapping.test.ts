import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Entitlement, EntitlementValue } from './aws.types.js';
import { desiredLicence, OPEN_SUBSCRIPTION_PLAN, OPEN_SUBSCRIPTION_SEATS, planLicenceChanges, type CurrentLicence } from './entitlements.mapping.js';

const now = new Date('2026-03-01T00:00:00Z');
const days = (n: number) => new Date(now.getTime() + n * 86_400_000);
const scope = { productCode: 'webstream', awsAccountId: '123456789012', licenceArn: 'arn:aws:license-manager::111122223333:license:l-1', now };
const entitlement = (dimension: string, value: EntitlementValue, expires?: Date, extra: Partial<Entitlement> = {}): Entitlement => ({
  productCode: 'webstream',
  awsAccountId: '123456789012',
  dimension,
  value,
  ...(expires === undefined ? {} : { expiresAt: expires }),
  ...extra,
});
const int = (value: number): EntitlementValue => ({ kind: 'integer', value });
const bool = (value: boolean): EntitlementValue => ({ kind: 'boolean', value });

test('one dimension: the plan is the dimension, seats the integer value, the end date the expiration', () => {
  assert.deepEqual(desiredLicence([entitlement('standard', int(5), days(365))], scope), { kind: 'licensed', plan: 'standard', seats: 5, endsAt: days(365) });
});

test('several dimensions: plans joined by name, integer seats added up, the latest expiration', () => {
  const desired = desiredLicence(
    [entitlement('professional', int(3), days(200)), entitlement('analytics', bool(true), days(365)), entitlement('enterprise', int(2), days(100))],
    scope,
  );
  assert.deepEqual(desired, { kind: 'licensed', plan: 'analytics + enterprise + professional', seats: 5, endsAt: days(365) });
});

test('dimensions not in force (zero, false, expired) and other products, accounts or agreements are ignored', () => {
  const desired = desiredLicence(
    [
      entitlement('standard', int(4), days(30)),
      entitlement('old', int(9), days(-1)),
      entitlement('none', int(0), days(30)),
      entitlement('off', bool(false), days(30)),
      entitlement('other-product', int(50), days(30), { productCode: 'another' }),
      entitlement('other-account', int(50), days(30), { awsAccountId: '999999999999' }),
      entitlement('other-agreement', int(50), days(30), { licenceArn: 'arn:aws:license-manager::111122223333:license:l-2' }),
      entitlement('this-agreement', int(1), days(30), { licenceArn: scope.licenceArn }),
    ],
    scope,
  );
  assert.deepEqual(desired, { kind: 'licensed', plan: 'standard + this-agreement', seats: 5, endsAt: days(30) });
});

test('no entitlement at all while subscribed: an open-ended subscription licence', () => {
  assert.deepEqual(desiredLicence([], scope), { kind: 'open', plan: OPEN_SUBSCRIPTION_PLAN, seats: OPEN_SUBSCRIPTION_SEATS, endsAt: null });
});

test('only ended entitlements: the contract ended at the latest expiration', () => {
  assert.deepEqual(desiredLicence([entitlement('standard', int(5), days(-10)), entitlement('pro', int(1), days(-3))], scope), { kind: 'ended', endedAt: days(-3) });
});

test('an entitlement without an expiration makes the licence open-ended; long plan names are cut to 64 characters', () => {
  const many = Array.from({ length: 12 }, (_, i) => entitlement(`dimension-number-${i}`, int(1)));
  const desired = desiredLicence(many, scope);
  assert.ok(desired.kind === 'licensed');
  assert.equal(desired.endsAt, null);
  assert.equal(desired.seats, 12);
  assert.equal(desired.plan.length, 64);
});

const licence = (overrides: Partial<CurrentLicence> = {}): CurrentLicence => ({ status: 'active', plan: 'standard', seats: 5, startsAt: days(-30), endsAt: days(100), ...overrides });

test('changes: create when there is no licence, nothing when it already matches', () => {
  assert.deepEqual(planLicenceChanges(undefined, { kind: 'licensed', plan: 'standard', seats: 5, endsAt: days(100) }, now), { ok: true, changes: [{ op: 'create', plan: 'standard', seats: 5, endsAt: days(100) }] });
  assert.deepEqual(planLicenceChanges(licence(), { kind: 'licensed', plan: 'standard', seats: 5, endsAt: days(100) }, now), { ok: true, changes: [] });
  assert.deepEqual(planLicenceChanges(undefined, { kind: 'ended', endedAt: days(-1) }, now), { ok: false, reason: 'nothing_to_provision' });
});

test('changes: a later end renews, other changes amend, an expired licence is renewed first', () => {
  assert.deepEqual(planLicenceChanges(licence(), { kind: 'licensed', plan: 'professional', seats: 8, endsAt: days(400) }, now), {
    ok: true,
    changes: [{ op: 'renew', endsAt: days(400) }, { op: 'amend', plan: 'professional', seats: 8 }],
  });
  assert.deepEqual(planLicenceChanges(licence(), { kind: 'licensed', plan: 'standard', seats: 5, endsAt: days(50) }, now), { ok: true, changes: [{ op: 'amend', endsAt: days(50) }] });
  assert.deepEqual(planLicenceChanges(licence({ status: 'expired', endsAt: days(-5) }), { kind: 'licensed', plan: 'standard', seats: 2, endsAt: days(300) }, now), {
    ok: true,
    changes: [{ op: 'renew', endsAt: days(300) }, { op: 'amend', seats: 2 }],
  });
  // A suspended licence keeps its status; its terms still follow AWS.
  assert.deepEqual(planLicenceChanges(licence({ status: 'suspended' }), { kind: 'licensed', plan: 'standard', seats: 5, endsAt: days(400) }, now), { ok: true, changes: [{ op: 'amend', endsAt: days(400) }] });
});

test('changes: an ended contract ends and expires the licence; a revoked licence is never brought back', () => {
  assert.deepEqual(planLicenceChanges(licence(), { kind: 'ended', endedAt: days(-2) }, now), { ok: true, changes: [{ op: 'amend', endsAt: days(-2) }, { op: 'expire' }] });
  assert.deepEqual(planLicenceChanges(licence({ status: 'expired', endsAt: days(-2) }), { kind: 'ended', endedAt: days(-2) }, now), { ok: true, changes: [] });
  assert.deepEqual(planLicenceChanges(licence({ status: 'revoked' }), { kind: 'licensed', plan: 'standard', seats: 5, endsAt: null }, now), { ok: false, reason: 'revoked' });
});

test('a positive double or a non-empty string is in force but adds no seats; zero, an empty string or no value is not in force', () => {
  const desired = desiredLicence(
    [
      entitlement('ratio', { kind: 'double', value: 0.5 }, days(30)),
      entitlement('tier', { kind: 'string', value: 'gold' }, days(30)),
      entitlement('zero-ratio', { kind: 'double', value: 0 }, days(30)),
      entitlement('empty-tier', { kind: 'string', value: '' }, days(30)),
      { productCode: 'webstream', awsAccountId: '123456789012', dimension: 'valueless', expiresAt: days(30) },
    ],
    scope,
  );
  assert.deepEqual(desired, { kind: 'licensed', plan: 'ratio + tier', seats: 1, endsAt: days(30) });
});
