import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MarketplaceSubscriptionStatus } from '../db/schema.js';
import { isEntitled, licenceIdOf } from './subscription.rules.js';

test('a subscription entitles the buyer while subscribed and during the final metering hour, not once failed or ended', () => {
  const cases: [MarketplaceSubscriptionStatus, boolean][] = [
    ['subscribed', true],
    ['unsubscribe_pending', true],
    ['subscribe_failed', false],
    ['unsubscribed', false],
  ];
  for (const [status, entitled] of cases) assert.equal(isEntitled(status), entitled, status);
});

test('the licence id is the part of the licence ARN after its last ":" or "/", however the ARN is written', () => {
  const cases: [string, string][] = [
    ['arn:aws:license-manager::111122223333:license:l-0123456789abcdef', 'l-0123456789abcdef'],
    ['aws:license-manager:us-east-1:111122223333:l-0123456789abcdef', 'l-0123456789abcdef'],
    ['arn:aws:license-manager:us-east-1:111122223333:license/l-0123456789abcdef', 'l-0123456789abcdef'],
    ['l-0123456789abcdef', 'l-0123456789abcdef'],
    ['arn:aws:license-manager::1:license:', ''],
  ];
  for (const [arn, id] of cases) assert.equal(licenceIdOf(arn), id, arn);
});
