import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { test } from 'node:test';
import { generateOneTimePassword, ONE_TIME_PASSWORD_ALPHABET, ONE_TIME_PASSWORD_CLASSES, ONE_TIME_PASSWORD_LENGTH } from './one-time-password.js';
import { passwordProblems } from './password.policy.js';

const context = { accountId: '123456789012', email: 'ops@example.com' };
const SAMPLES = 300;
const samples = Array.from({ length: SAMPLES }, () => generateOneTimePassword(context));

test('every generated one-time password satisfies the password policy', () => {
  for (const password of samples) assert.deepEqual(passwordProblems(password, context), [], password);
});

test('every generated one-time password has 16 characters from the unambiguous alphabet, each class at least once', () => {
  assert.equal(ONE_TIME_PASSWORD_LENGTH, 16);
  for (const password of samples) {
    assert.equal(password.length, 16, password);
    for (const char of password) assert.ok(ONE_TIME_PASSWORD_ALPHABET.includes(char), `${char} in ${password}`);
    for (const [name, set] of Object.entries(ONE_TIME_PASSWORD_CLASSES)) assert.ok(Array.from(set).some((c) => password.includes(c)), `${name} in ${password}`);
  }
});

test('the alphabet leaves out look-alike characters and whitespace', () => {
  for (const char of ['I', 'l', '1', 'O', 'o', '0', '|', '`', "'", '"', '.', ',', ' ']) assert.ok(!ONE_TIME_PASSWORD_ALPHABET.includes(char), char);
  assert.equal(new Set(ONE_TIME_PASSWORD_ALPHABET).size, ONE_TIME_PASSWORD_ALPHABET.length, 'no character twice');
});

test('the passwords look random: no repeats, every character of the alphabet used', () => {
  assert.equal(new Set(samples).size, SAMPLES);
  const used = new Set(samples.join(''));
  for (const char of ONE_TIME_PASSWORD_ALPHABET) assert.ok(used.has(char), `${char} never drawn in ${SAMPLES * 16} characters`);
});

test('a draw the policy refuses is never returned: a broken random source fails loudly instead', () => {
  // Always index 0: "A", "a", "2", "!" and twelve more "A" — far too guessable.
  assert.throws(() => generateOneTimePassword(context, { random: () => 0 }), /meets the password policy/);
  // A first weak draw is replaced by the next one.
  let calls = 0;
  const firstDrawWeak = (max: number) => (calls++ < 2 * ONE_TIME_PASSWORD_LENGTH - 1 ? 0 : randomInt(max));
  const password = generateOneTimePassword(context, { random: firstDrawWeak });
  assert.deepEqual(passwordProblems(password, context), []);
  assert.ok(calls > 2 * ONE_TIME_PASSWORD_LENGTH, 'a second candidate was drawn');
});

test('other lengths are honoured; too short for the four classes is refused', () => {
  assert.equal(generateOneTimePassword(context, { length: 24 }).length, 24);
  assert.throws(() => generateOneTimePassword(context, { length: 3 }), RangeError);
});
