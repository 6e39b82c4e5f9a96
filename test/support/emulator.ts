/**
 * The local AWS emulator for the tests that drive it through the official AWS SDK v3 clients (plus its control
 * API and pages), the way the portal will use it: the clients, the control API and `subscribe`. Call
 * `useEmulator()` once per file; each file gets its own emulator.
 */
import assert from 'node:assert/strict';
import https from 'node:https';
import { after, before } from 'node:test';
import { MarketplaceMeteringClient } from '@aws-sdk/client-marketplace-metering';
import { MarketplaceEntitlementServiceClient } from '@aws-sdk/client-marketplace-entitlement-service';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ManualClock } from '../../src/core/clock.js';
import { startEmulator, type Emulator } from '../../src/emulator/emulator.server.js';

export const clock = new ManualClock(new Date());
export let emulator: Emulator;
export let metering: MarketplaceMeteringClient;
export let entitlements: MarketplaceEntitlementServiceClient;
export let sqs: SQSClient;

export function useEmulator(): void {
  before(async () => {
    emulator = await startEmulator({ clock, notifications: 'none', portalUrl: 'http://portal.test:3000' });
    const config = { endpoint: emulator.url, region: 'us-east-1', credentials: { accessKeyId: 'emulator', secretAccessKey: 'emulator' }, maxAttempts: 1 };
    metering = new MarketplaceMeteringClient(config);
    entitlements = new MarketplaceEntitlementServiceClient(config);
    sqs = new SQSClient(config);
    // sns-validator fetches SigningCertURL with https.get: trust the emulator's self-signed certificate in this process.
    https.globalAgent.options.ca = emulator.sns.certificatePem;
  });
  after(async () => {
    for (const client of [metering, entitlements, sqs]) client.destroy();
    await emulator.stop();
  });
}

export interface CreatedSubscription {
  subscription: { licenseArn: string; awsAccountId: string; customerIdentifier: string; status: string };
  registrationToken: string;
}

export async function control<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const json = (await response.json()) as T;
  assert.ok(response.ok, `${method} ${path} → ${response.status} ${JSON.stringify(json)}`);
  return json;
}

export const subscribe = (fields: Record<string, unknown>) => control<CreatedSubscription>('POST', '/_emulator/subscriptions', { dimension: 'standard', quantity: 1, notify: false, ...fields });

export function rejectsWith<T>(promise: Promise<unknown>, type: abstract new (...args: never[]) => T): Promise<T> {
  return promise.then(
    () => assert.fail(`expected ${type.name}`),
    (error: unknown) => {
      assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
      return error;
    },
  );
}
