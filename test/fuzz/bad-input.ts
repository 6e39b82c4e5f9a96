import fc from 'fast-check';
import { GOOD_PASSWORD } from '../support/test-portal.js';
import { ACCOUNTS } from './browsers.js';

/** Values a real user or a known client would type: they get requests past the schemas, into the rules. */
const PLAUSIBLE = [
  ...Object.values(ACCOUNTS),
  '2100-0000-0001',
  ' 210000000001 ',
  '12345678901',
  '1234567890123',
  GOOD_PASSWORD,
  'Another-Good-Pass-77',
  'password',
  'someone@example.com',
  'not-an-email',
  '123456',
  '000000',
  'abcd-efgh-ijkl',
  '00000000-0000-0000-0000-000000000000',
  'a'.repeat(43),
  'disable',
  'recovery-codes',
  '/portal/settings',
  '//evil.example/',
  '/\\evil.example',
  'https://evil.example/',
  'javascript:alert(1)',
  'welcome',
  'signed-out',
  'x'.repeat(128),
];

/** Strings that have broken parsers, databases and templates before. */
const NASTY = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '210000000001\u0000',
  '\uD800',
  '\uDFFF',
  'x\uDBFFy',
  '\uFEFF210000000001',
  '\u202Eevil',
  '\r\nSet-Cookie: x=1',
  '%00',
  '%',
  '%zz',
  '%E0%A4%A',
  '%ED%A0%80',
  '../../../etc/passwd',
  '<script>alert(1)</script>',
  '"><img src=x>',
  "' or '1'='1",
  '1; drop table portal_accounts; --',
  '${7*7}{{7*7}}',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  'NaN',
  '-1',
  '1e309',
  '0x1F',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '[object Object]',
  '😀'.repeat(20),
  'ǅ̶̡͓̈',
];

const huge = fc.integer({ min: 1025, max: 40_000 }).map((n) => 'x'.repeat(n));

/** One text value: mostly plausible or nasty, sometimes random in any alphabet, rarely huge. */
export const textValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...PLAUSIBLE) },
  { weight: 5, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 3, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 24 }) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...PLAUSIBLE), fc.constantFrom(...NASTY)).map(([a, b]) => a + b) },
  { weight: 1, arbitrary: huge },
  { weight: 1, arbitrary: fc.constantFrom(...PLAUSIBLE).map((v) => v.repeat(1 + Math.floor(2048 / (v.length + 1)))) },
);

/** What each kind of field usually holds, by its name: an account ID field gets account IDs, and so on. */
const TYPICAL: [RegExp, string[]][] = [
  [/accountid/i, [...Object.values(ACCOUNTS), '2100-0000-0001', ' 210000000002 ']],
  [/password/i, [GOOD_PASSWORD, 'Another-Good-Pass-77', 'short', 'password1']],
  [/email/i, ['someone@example.com', '210000000001@example.com', 'a@b', 'x@example.com\u0000']],
  [/code/i, ['123456', '000000', '12345', 'abcd-efgh-ijkl', ' 123 456 ']],
  [/token/i, ['a'.repeat(43), 'not-a-token', '']],
  [/^next$/, ['/portal/settings', '//evil.example/', '/\\evil.example', 'https://evil.example/']],
];

/** A value each kind of field accepts, so that a form with one bad field gets past all the others. */
const VALID: [RegExp, string][] = [
  [/accountid/i, ACCOUNTS.licensedOnly],
  [/password/i, GOOD_PASSWORD],
  [/email/i, 'fuzz@example.com'],
  [/code/i, '123456'],
  [/token/i, 'a'.repeat(43)],
  [/^next$/, '/portal/settings'],
  [/^for$/, 'disable'],
];

export function validFor(name: string): string {
  return VALID.find(([pattern]) => pattern.test(name))?.[1] ?? 'x';
}

/** A valid value with a nasty string put inside it (a NUL in an otherwise good email address…). */
export function spoiled(valid: string): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...NASTY), fc.nat(valid.length)).map(([nasty, at]) => valid.slice(0, at) + nasty + valid.slice(at));
}

/** A value for a named field: often what such a field usually holds, otherwise any text value. */
export function valueFor(name: string): fc.Arbitrary<string> {
  const typical = TYPICAL.find(([pattern]) => pattern.test(name))?.[1];
  return typical === undefined ? textValue : fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...typical) }, { weight: 5, arbitrary: textValue });
}

/** Form fields are lists: one value usually, several for `a=1&a=2`. */
export const formValues: fc.Arbitrary<string[]> = fc.oneof({ weight: 8, arbitrary: textValue.map((v) => [v]) }, { weight: 2, arbitrary: fc.array(textValue, { minLength: 2, maxLength: 3 }) }, { weight: 1, arbitrary: fc.constant<string[]>([]) });

/** JSON values of the wrong type where a string is expected, and deep or odd shapes. */
export const jsonValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: textValue },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 2, arbitrary: fc.array(textValue, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('a', '__proto__', 'constructor', 'toString'), textValue, { maxKeys: 2 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** A random field name beside the app's own (which the caller adds). */
export const strayFieldName = fc.oneof(fc.constantFrom('__proto__', 'constructor', '', ' ', 'a[b]', 'a.b', '_csrf[]', 'x\u0000', '%00'), fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 8 }));
