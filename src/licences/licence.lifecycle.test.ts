import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyTransition, displayStatus, nextDisplayChange, type LicenceCommand, type LicenceStatus, type LicenceTerms } from './licence.lifecycle.js';

const now = new Date('2026-06-01T00:00:00Z');
const days = (n: number) => new Date(now.getTime() + n * 86_400_000);
const terms = (status: LicenceStatus, endsAt: Date | null = days(100)): LicenceTerms => ({ status, startsAt: days(-100), endsAt });

test('new licences: issue makes it active, request leaves it requested', () => {
  const issued = applyTransition(undefined, { action: 'issue', startsAt: now, endsAt: days(30) }, now);
  assert.deepEqual(issued, { ok: true, from: null, next: { status: 'active', startsAt: now, endsAt: days(30) } });
  const requested = applyTransition(undefined, { action: 'request', startsAt: now, endsAt: null }, now);
  assert.ok(requested.ok && requested.next.status === 'requested');
  assert.equal(applyTransition(undefined, { action: 'issue', startsAt: now, endsAt: days(-1) }, now).ok, false);
  assert.equal(applyTransition(terms('active'), { action: 'issue', startsAt: now, endsAt: null }, now).ok, false);
});

// Every (status, action) pair: what it becomes, or refused (null).
const table: Record<LicenceStatus, Partial<Record<LicenceCommand['action'], LicenceStatus | null>>> = {
  requested: { reject: 'revoked', approve: 'active', suspend: null, reinstate: null, renew: null, expire: null, revoke: 'revoked' },
  active: { reject: null, approve: null, suspend: 'suspended', reinstate: null, renew: 'active', expire: null, revoke: 'revoked' },
  suspended: { reject: null, approve: null, suspend: null, reinstate: 'active', renew: null, expire: null, revoke: 'revoked' },
  expired: { reject: null, approve: null, suspend: null, reinstate: null, renew: 'active', expire: null, revoke: 'revoked' },
  revoked: { reject: null, approve: null, suspend: null, reinstate: null, renew: null, expire: null, revoke: null },
};

const command = (action: LicenceCommand['action']): LicenceCommand => {
  switch (action) {
    case 'renew':
      return { action, endsAt: days(400) };
    case 'approve':
      return { action };
    case 'issue':
    case 'request':
      return { action, startsAt: now, endsAt: null };
    default:
      return { action };
  }
};

test('transition table: legal moves succeed, illegal ones are refused with a reason', () => {
  for (const [from, actions] of Object.entries(table) as [LicenceStatus, Record<string, LicenceStatus | null>][]) {
    for (const [action, expected] of Object.entries(actions)) {
      const result = applyTransition(terms(from), command(action as LicenceCommand['action']), now);
      if (expected === null) {
        assert.equal(result.ok, false, `${from} --${action}--> should be refused`);
        assert.ok(result.message.length > 10);
      } else {
        assert.ok(result.ok, `${from} --${action}--> ${expected}`);
        assert.equal(result.next.status, expected);
        assert.equal(result.from, from);
      }
    }
  }
});

test('expire only at or after the end date', () => {
  assert.equal(applyTransition(terms('active', days(1)), { action: 'expire' }, now).ok, false);
  const expired = applyTransition(terms('active', days(-1)), { action: 'expire' }, now);
  assert.ok(expired.ok && expired.next.status === 'expired');
  assert.ok(applyTransition(terms('suspended', days(-1)), { action: 'expire' }, now).ok);
  assert.equal(applyTransition(terms('active', null), { action: 'expire' }, now).ok, false);
});

test('renew sets a later end date; reinstating past the end date is refused', () => {
  const renewed = applyTransition(terms('expired', days(-5)), { action: 'renew', endsAt: days(365) }, now);
  assert.ok(renewed.ok && renewed.next.endsAt?.getTime() === days(365).getTime());
  assert.equal(applyTransition(terms('active', days(100)), { action: 'renew', endsAt: days(50) }, now).ok, false);
  assert.equal(applyTransition(terms('active'), { action: 'renew', endsAt: days(-1) }, now).ok, false);
  assert.equal(applyTransition(terms('suspended', days(-1)), { action: 'reinstate' }, now).ok, false);
});

test('display status: pending, expiring within 30 days, expired past the end date', () => {
  assert.equal(displayStatus(terms('requested'), now), 'pending');
  assert.equal(displayStatus(terms('active', days(100)), now), 'active');
  assert.equal(displayStatus(terms('active', null), now), 'active');
  assert.equal(displayStatus(terms('active', days(10)), now), 'expiring');
  assert.equal(displayStatus(terms('active', days(-1)), now), 'expired');
  assert.equal(displayStatus(terms('suspended'), now), 'suspended');
  assert.equal(displayStatus(terms('revoked'), now), 'revoked');
});

test('the next moment a displayed status changes: 30 days before an end date, then at it', () => {
  assert.equal(nextDisplayChange([terms('active', null), terms('suspended', days(5)), terms('revoked', days(5))], now), null);
  assert.deepEqual(nextDisplayChange([terms('active', days(100)), terms('active', days(40))], now), days(10));
  assert.deepEqual(nextDisplayChange([terms('active', days(10))], now), days(10), 'already expiring: the next change is the end');
  assert.equal(nextDisplayChange([terms('active', days(-1))], now), null, 'already expired');
  for (const t of [terms('active', days(100)), terms('active', days(40)), terms('active', days(10))]) {
    const change = nextDisplayChange([t], now);
    assert.ok(change);
    assert.equal(displayStatus(t, new Date(change.getTime() - 1)), displayStatus(t, now), 'nothing changes before it');
    assert.notEqual(displayStatus(t, change), displayStatus(t, now), 'something changes at it');
  }
});

test('amend changes the end date (earlier or later) of an active or suspended licence and keeps its status', () => {
  const later = applyTransition(terms('active'), { action: 'amend', endsAt: days(500) }, now);
  assert.ok(later.ok && later.next.status === 'active' && later.next.endsAt?.getTime() === days(500).getTime());
  const ended = applyTransition(terms('suspended'), { action: 'amend', endsAt: days(-1) }, now);
  assert.ok(ended.ok && ended.next.status === 'suspended' && ended.next.endsAt?.getTime() === days(-1).getTime());
  const unchanged = applyTransition(terms('active'), { action: 'amend' }, now);
  assert.ok(unchanged.ok && unchanged.next.endsAt?.getTime() === days(100).getTime());
  assert.equal(applyTransition(terms('active'), { action: 'amend', endsAt: days(-200) }, now).ok, false, 'not before the start');
  for (const status of ['requested', 'expired', 'revoked'] as const) assert.equal(applyTransition(terms(status), { action: 'amend', endsAt: null }, now).ok, false, status);
});
