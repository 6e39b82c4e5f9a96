import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../core/errors.js';
import { readReason } from './licence-input.js';
import { checkReason, REASON_MAX, REASON_MIN } from './reason-field.js';

test('a reason is kept trimmed, from 3 to 500 characters', () => {
  assert.deepEqual(checkReason('  Ticket 4411: customer asked  '), { ok: true, reason: 'Ticket 4411: customer asked' });
  assert.deepEqual(checkReason('abc'), { ok: true, reason: 'abc' });
  assert.equal(checkReason('x'.repeat(REASON_MAX)).ok, true);
  for (const short of [undefined, '', '   ', 'ok', '  ab  ']) {
    assert.deepEqual(checkReason(short), { ok: false, message: `Give a reason of at least ${REASON_MIN} characters: it is kept in the audit log.` }, JSON.stringify(short));
  }
  const long = checkReason('x'.repeat(REASON_MAX + 1));
  assert.deepEqual(long, { ok: false, message: `Keep the reason to ${REASON_MAX} characters at most (this one has ${REASON_MAX + 1}).` });
});

test('licence changes follow the same rule, as a field error on "reason"', () => {
  assert.equal(readReason(' Invoice unpaid '), 'Invoice unpaid');
  assert.throws(
    () => readReason('ok'),
    (error: unknown) => error instanceof AppError && error.status === 400 && /at least 3 characters/.test(error.fields.reason?.[0] ?? ''),
  );
});
