import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatAccountId, normaliseAccountId } from './account-id.js';

test('accepts the three ways people write an AWS account ID', () => {
  for (const input of ['123456789012', '1234-5678-9012', '1234 5678 9012', ' 1234-5678 9012 ']) {
    assert.deepEqual(normaliseAccountId(input), { ok: true, accountId: '123456789012' }, input);
  }
});

test('refuses anything that is not exactly 12 digits, with a message saying why', () => {
  const cases: [string, RegExp][] = [
    ['', /Enter your 12-digit/],
    ['12345678901', /exactly 12 digits; this one has 11/],
    ['1234567890123', /exactly 12 digits; this one has 13/],
    ['1234-5678-901a', /only digits/],
    ['１２３４５６７８９０１２', /only digits/], // full-width digits are not ASCII digits
    ['123456789012; drop table', /only digits/],
  ];
  for (const [input, message] of cases) {
    const result = normaliseAccountId(input);
    assert.equal(result.ok, false, input);
    assert.match(result.message, message);
  }
});

test('formats an account ID as the AWS console shows it', () => {
  assert.equal(formatAccountId('123456789012'), '1234-5678-9012');
});
