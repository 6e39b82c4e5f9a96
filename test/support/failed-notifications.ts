/**
 * Marketplace notifications the admin panel's tests look at (test/http/admin-marketplace.test.ts and
 * test/browser/admin-marketplace.test.ts): an EventBridge agreement event for another product, which
 * processing ignores without asking AWS, stored as failed as if an earlier attempt had hit a problem since fixed.
 */
import assert from 'node:assert/strict';
import type { TestPortal } from './test-portal.js';

/** An EventBridge "Purchase Agreement Created" event for someone else's product, accepted by `account`. */
export function otherProductAgreementEvent(id: string, account: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    version: '0',
    id,
    'detail-type': 'Purchase Agreement Created - Manufacturer',
    source: 'aws.agreement-marketplace',
    account: '999988887777',
    time: '2026-03-01T10:00:00Z',
    region: 'us-east-1',
    resources: ['arn:aws:aws-marketplace::aws:agreement:agmt-1'],
    detail: {
      requestId: 'r-1',
      catalog: 'AWSMarketplace',
      agreement: { id: 'agmt-1', intent: 'NEW' },
      product: { code: 'someone-elses-product', id: 'prod-1' },
      license: { arn: `arn:aws:license-manager::${account}:license:l-${id.replace(/[^a-z0-9]/gi, '')}` },
      acceptor: { accountId: account },
      proposer: { accountId: '999988887777' },
      offer: { id: 'offer-1' },
      ...extra,
    },
  });
}

export const GAVE_UP = 'Gave up after 5 attempts; last error: throttled';

/** Received (and ignored), then marked failed with GAVE_UP as its outcome; returns the notification's id. */
export async function failedNotification(portal: TestPortal, id: string, account: string, extra: Record<string, unknown> = {}): Promise<string> {
  const result = await portal.services.marketplaceNotifications.receive({ source: 'sqs', body: otherProductAgreementEvent(id, account, extra) });
  assert.equal(result.outcome, 'ignored');
  await portal.services.db.updateTable('marketplace_notifications').set({ status: 'failed', outcome: GAVE_UP }).where('id', '=', result.notificationId).execute();
  return result.notificationId;
}
