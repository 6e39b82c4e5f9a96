import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDate } from './format.js';

test('dates read as the portal shows them, in UTC, matching Intl en-GB', () => {
  const intl = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
  for (const iso of ['2026-11-22T02:00:00Z', '2026-01-01T00:00:00Z', '2026-12-31T23:59:59Z', '2027-09-05T12:00:00Z', '2028-02-29T00:00:00Z']) {
    const date = new Date(iso);
    assert.equal(formatDate(date), intl.format(date).replace('Sept', 'Sep'), iso);
  }
  assert.equal(formatDate(new Date('2026-03-09T23:30:00-05:00')), '10 Mar 2026', 'UTC, not local time');
  assert.equal(formatDate(null), 'No end date');
});
