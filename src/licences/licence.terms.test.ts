import assert from 'node:assert/strict';
import { test } from 'node:test';
import { displayStatus } from './licence.lifecycle.js';
import { licenceTerms } from './licence.terms.js';

const now = new Date('2026-06-01T00:00:00Z');
const days = (n: number) => new Date(now.getTime() + n * 86_400_000);
const row = { id: 'b5f1c0de-0000-4000-8000-000000000001', aws_account_id: '123456789012', plan: 'Enterprise', seats: 50, source: 'direct', created_at: days(-200), updated_at: days(-1) };

test('a stored licence becomes its lifecycle terms: status and dates, nothing else', () => {
  const cases = [
    { status: 'active', starts_at: days(-100), ends_at: days(100) },
    { status: 'requested', starts_at: days(1), ends_at: null },
    { status: 'revoked', starts_at: days(-100), ends_at: days(-10) },
  ];
  for (const stored of cases) {
    assert.deepEqual(licenceTerms({ ...row, ...stored }), { status: stored.status, startsAt: stored.starts_at, endsAt: stored.ends_at });
  }
});

test('the terms drive what customers see, e.g. an active licence past its end date shows as expired', () => {
  assert.equal(displayStatus(licenceTerms({ ...row, status: 'active', starts_at: days(-100), ends_at: days(-1) }), now), 'expired');
  assert.equal(displayStatus(licenceTerms({ ...row, status: 'active', starts_at: days(-100), ends_at: days(10) }), now), 'expiring');
});
