import assert from 'node:assert/strict';
import { test } from 'node:test';
import { passwordProblems } from './password.policy.js';

const ctx = { accountId: '123456789012', email: 'ops@example.com' };

test('a strong password passes every rule', () => {
  for (const password of ['Blue-Kettle-42', 'Tr0ub4dor&3', 'correct Horse battery 9!', 'Ünïcødé-Pässwörd-7']) {
    assert.deepEqual(passwordProblems(password, ctx), [], password);
  }
});

test('every broken rule is reported at once', () => {
  const problems = passwordProblems('abc', ctx);
  assert.ok(problems.some((p) => p.includes('at least 8')));
  assert.ok(problems.some((p) => p.includes('uppercase')));
  assert.ok(problems.some((p) => p.includes('digit')));
  assert.ok(problems.some((p) => p.includes('special')));
  assert.ok(problems.some((p) => p.includes('commonly used')));
});

test('table of single broken rules', () => {
  const cases: [string, RegExp][] = [
    ['blue-kettle-42', /uppercase/],
    ['BLUE-KETTLE-42', /lowercase/],
    ['Blue-Kettle-xy', /digit/],
    ['BlueKettle4271', /special/],
    ['Password1!', /commonly used/],
    ['Qwerty123!', /commonly used/],
    ['Summer2024!', /commonly used/],
    ['Xk9!123456789012yz', /AWS account ID/],
    ['Xk9!1234-5678-9012yz', /AWS account ID/],
  ];
  for (const [password, rule] of cases) {
    const problems = passwordProblems(password, ctx);
    assert.ok(problems.some((p) => rule.test(p)), `${password}: ${problems.join(' | ')}`);
  }
});

test('length limits: at most 128 characters, never truncated', () => {
  const long = `Aa1!${'x7Q#'.repeat(32)}`; // 132 characters
  assert.ok(passwordProblems(long, ctx).some((p) => p.includes('at most 128')));
  const exactly = long.slice(0, 128);
  assert.ok(!passwordProblems(exactly, ctx).some((p) => p.includes('at most 128')));
});

test('a password built from the contact email is easy to guess', () => {
  assert.ok(passwordProblems('Ops@example.com1', ctx).some((p) => p.includes('commonly used')));
});
