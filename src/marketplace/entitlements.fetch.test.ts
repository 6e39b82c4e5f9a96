import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Entitlement, EntitlementPage } from './aws.types.js';
import { fetchAllEntitlements, TooManyEntitlementPagesError, type EntitlementPageReader } from './entitlements.fetch.js';
import { AwsCallError } from './marketplace.errors.js';

const entitlement = (dimension: string): Entitlement => ({ dimension });
const filter = { awsAccountId: '111122223333' };

/** Answers each GetEntitlements call with the next page, and records the tokens it was asked with. */
function pagedReader(pages: EntitlementPage[]) {
  const asked: (string | undefined)[] = [];
  const read: EntitlementPageReader = (_productCode, _filter, nextToken) => {
    asked.push(nextToken);
    return Promise.resolve(pages[asked.length - 1] ?? { entitlements: [] });
  };
  return { asked, read };
}

test('every page is read, including an empty page that still carries a NextToken; an empty NextToken ends it', async () => {
  const reader = pagedReader([
    { entitlements: [entitlement('a')], nextToken: 't1' },
    { entitlements: [], nextToken: 't2' },
    { entitlements: [], nextToken: 't3' },
    { entitlements: [entitlement('b')], nextToken: '' },
  ]);
  const all = await fetchAllEntitlements(reader.read, 'prod', filter);
  assert.deepEqual(all.map((e) => e.dimension), ['a', 'b']);
  assert.deepEqual(reader.asked, [undefined, 't1', 't2', 't3']);
});

test('a page without a NextToken is the last', async () => {
  const reader = pagedReader([{ entitlements: [entitlement('a')] }]);
  assert.equal((await fetchAllEntitlements(reader.read, 'prod', filter)).length, 1);
  assert.equal(reader.asked.length, 1);
});

test('a service that never stops handing out NextTokens is given up on', async () => {
  const again: EntitlementPageReader = () => Promise.resolve({ entitlements: [], nextToken: 'again' });
  await assert.rejects(fetchAllEntitlements(again, 'prod', filter), TooManyEntitlementPagesError);
});

test('an AWS error reaches the caller as it came', async () => {
  const throttled = new AwsCallError('throttled', 'ThrottlingException', 'Rate exceeded');
  const failing: EntitlementPageReader = () => Promise.reject(throttled);
  await assert.rejects(fetchAllEntitlements(failing, 'prod', filter), (error) => error === throttled);
});
