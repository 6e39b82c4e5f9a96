import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Entitlement, GetEntitlementsCommand, GetEntitlementsCommandOutput } from '@aws-sdk/client-marketplace-entitlement-service';
import { fetchAllEntitlements, TooManyEntitlementPagesError } from './entitlements.fetch.js';

const entitlement = (dimension: string): Entitlement => ({ Dimension: dimension });

/** Answers each GetEntitlements call with the next page, and records the tokens it was asked with. */
function pagedClient(pages: { Entitlements?: Entitlement[]; NextToken?: string }[]) {
  const asked: (string | undefined)[] = [];
  return {
    asked,
    send(command: GetEntitlementsCommand): Promise<GetEntitlementsCommandOutput> {
      asked.push(command.input.NextToken);
      const page = pages[asked.length - 1] ?? {};
      return Promise.resolve({ ...page, $metadata: {} });
    },
  };
}

test('every page is read, including an empty page that still carries a NextToken; an empty NextToken ends it', async () => {
  const client = pagedClient([{ Entitlements: [entitlement('a')], NextToken: 't1' }, { Entitlements: [], NextToken: 't2' }, { NextToken: 't3' }, { Entitlements: [entitlement('b')], NextToken: '' }]);
  const all = await fetchAllEntitlements(client, 'prod', { CUSTOMER_AWS_ACCOUNT_ID: ['111122223333'] });
  assert.deepEqual(all.map((e) => e.Dimension), ['a', 'b']);
  assert.deepEqual(client.asked, [undefined, 't1', 't2', 't3']);
});

test('a page without a NextToken is the last', async () => {
  const client = pagedClient([{ Entitlements: [entitlement('a')] }]);
  assert.equal((await fetchAllEntitlements(client, 'prod', {})).length, 1);
  assert.equal(client.asked.length, 1);
});

test('a service that never stops handing out NextTokens is given up on', async () => {
  const client = { send: (): Promise<GetEntitlementsCommandOutput> => Promise.resolve({ Entitlements: [], NextToken: 'again', $metadata: {} }) };
  await assert.rejects(fetchAllEntitlements(client, 'prod', {}), TooManyEntitlementPagesError);
});

test('an AWS error reaches the caller as it came', async () => {
  const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
  const client = { send: (): Promise<GetEntitlementsCommandOutput> => Promise.reject(throttled) };
  await assert.rejects(fetchAllEntitlements(client, 'prod', {}), (error) => error === throttled);
});
