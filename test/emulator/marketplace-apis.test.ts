/**
 * The local AWS emulator's Marketplace APIs, driven only through the official AWS SDK v3 clients (plus its
 * control API), the way the portal will use them: ResolveCustomer and its token errors, injected faults,
 * GetEntitlements with its filters and pages, BatchMeterUsage.
 *
 *   node --import tsx --test test/emulator/marketplace-apis.test.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BatchMeterUsageCommand,
  ExpiredTokenException,
  InternalServiceErrorException,
  InvalidTokenException,
  ResolveCustomerCommand,
  ThrottlingException,
  TimestampOutOfBoundsException,
} from '@aws-sdk/client-marketplace-metering';
import {
  GetEntitlementsCommand,
  InvalidParameterException,
  ThrottlingException as EntitlementThrottling,
  type GetEntitlementsCommandInput,
} from '@aws-sdk/client-marketplace-entitlement-service';
import { clock, control, emulator, entitlements, metering, rejectsWith, subscribe, useEmulator, type CreatedSubscription } from '../support/emulator.js';

useEmulator();

test('ResolveCustomer returns the account, licence and product of a registration token (CustomerIdentifier only for legacy listings)', async () => {
  const created = await subscribe({ awsAccountId: '1111-2222-3333' });
  const resolved = await metering.send(new ResolveCustomerCommand({ RegistrationToken: created.registrationToken }));
  assert.equal(resolved.CustomerAWSAccountId, '111122223333');
  assert.match(resolved.LicenseArn ?? '', /^arn:aws:license-manager::\d{12}:license:l-[0-9a-f]{32}$/);
  assert.equal(resolved.LicenseArn, created.subscription.licenseArn);
  assert.equal(resolved.ProductCode, emulator.productCode);
  assert.equal(resolved.CustomerIdentifier, undefined);
  assert.ok(resolved.$metadata.requestId, 'x-amzn-RequestId becomes $metadata.requestId');
  // Within the 4 hours the same token resolves to the same values.
  assert.equal((await metering.send(new ResolveCustomerCommand({ RegistrationToken: created.registrationToken }))).LicenseArn, resolved.LicenseArn);

  const legacy = await subscribe({ awsAccountId: '111122223334', legacyListing: true });
  const legacyResolved = await metering.send(new ResolveCustomerCommand({ RegistrationToken: legacy.registrationToken }));
  assert.equal(legacyResolved.CustomerIdentifier, legacy.subscription.customerIdentifier);
});

test('an unknown token is InvalidTokenException; a token older than 4 hours is ExpiredTokenException', async () => {
  const invalid = await rejectsWith(metering.send(new ResolveCustomerCommand({ RegistrationToken: 'not-a-token' })), InvalidTokenException);
  assert.equal(invalid.$metadata.httpStatusCode, 400);
  assert.equal(invalid.$fault, 'client');

  const created = await subscribe({ awsAccountId: '111122224444' });
  clock.advance(4 * 3_600_000 - 1000);
  await metering.send(new ResolveCustomerCommand({ RegistrationToken: created.registrationToken }));
  clock.advance(2000);
  await rejectsWith(metering.send(new ResolveCustomerCommand({ RegistrationToken: created.registrationToken })), ExpiredTokenException);
  // A new token for the same subscription works again.
  const fresh = await control<CreatedSubscription>('POST', `/_emulator/subscriptions/${encodeURIComponent(created.subscription.licenseArn)}/tokens`);
  assert.equal((await metering.send(new ResolveCustomerCommand({ RegistrationToken: fresh.registrationToken }))).CustomerAWSAccountId, '111122224444');
});

test('injected faults fail the next call of an operation only: throttling, internal error, and a chosen token error', async () => {
  const created = await subscribe({ awsAccountId: '111122225555' });
  const resolve = () => metering.send(new ResolveCustomerCommand({ RegistrationToken: created.registrationToken }));
  await control('POST', '/_emulator/fail-next', { operation: 'ResolveCustomer', error: 'Throttling' });
  const throttled = await rejectsWith(resolve(), ThrottlingException);
  assert.equal(throttled.$metadata.httpStatusCode, 400);
  assert.equal((await resolve()).CustomerAWSAccountId, '111122225555');

  await control('POST', '/_emulator/fail-next', { operation: 'AWSMPMeteringService.ResolveCustomer', error: 'InternalServiceError' });
  const internal = await rejectsWith(resolve(), InternalServiceErrorException);
  assert.equal(internal.$metadata.httpStatusCode, 500);
  assert.equal(internal.$fault, 'server');

  await control('POST', '/_emulator/fail-next', { operation: 'ResolveCustomer', error: 'ExpiredToken', count: 2 });
  await rejectsWith(resolve(), ExpiredTokenException);
  await rejectsWith(resolve(), ExpiredTokenException);
  await resolve();

  // Faults are per operation, in every service.
  await control('POST', '/_emulator/fail-next', { operation: 'GetEntitlements', error: 'Throttling' });
  await rejectsWith(entitlements.send(new GetEntitlementsCommand({ ProductCode: emulator.productCode })), EntitlementThrottling);
  await entitlements.send(new GetEntitlementsCommand({ ProductCode: emulator.productCode }));

  const refused = await fetch(`${emulator.url}/_emulator/fail-next`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ operation: 'NoSuchCall', error: 'Throttling' }) });
  assert.equal(refused.status, 400);
});

test('GetEntitlements: account filter across pages (with an empty page that carries a NextToken), OR within a key, AND across keys', async () => {
  const product = 'pagingtestproduct';
  const accountA = '222200000001';
  const accountB = '222200000002';
  for (let i = 0; i < 30; i += 1) await subscribe({ awsAccountId: accountA, productCode: product, dimension: i % 2 === 0 ? 'standard' : 'professional', quantity: i + 1 });
  const b1 = await subscribe({ awsAccountId: accountB, productCode: product, dimension: 'enterprise', quantity: 7, expiresAt: '2027-03-01T00:00:00Z' });
  await subscribe({ awsAccountId: accountB, productCode: product, dimension: 'standard', quantity: 2 });

  async function allPages(input: GetEntitlementsCommandInput) {
    const pages = [];
    let NextToken: string | undefined;
    do {
      const page = await entitlements.send(new GetEntitlementsCommand({ ...input, ...(NextToken === undefined ? {} : { NextToken }) }));
      pages.push(page);
      NextToken = page.NextToken;
    } while (NextToken !== undefined);
    return pages;
  }

  const forB = await allPages({ ProductCode: product, Filter: { CUSTOMER_AWS_ACCOUNT_ID: [accountB] } });
  assert.deepEqual(
    forB.map((p) => p.Entitlements?.length),
    [0, 2],
    'the first window holds only account A: an empty page with a NextToken',
  );
  assert.ok(forB[0]?.NextToken !== undefined);
  const enterprise = forB[1]?.Entitlements?.find((e) => e.Dimension === 'enterprise');
  assert.ok(enterprise);
  assert.equal(enterprise.LicenseArn, b1.subscription.licenseArn);
  assert.equal(enterprise.CustomerAWSAccountId, accountB);
  assert.equal(enterprise.Value?.IntegerValue, 7);
  assert.ok(enterprise.ExpirationDate instanceof Date, 'awsJson epoch seconds parse to a Date');
  assert.equal(enterprise.ExpirationDate.toISOString(), '2027-03-01T00:00:00.000Z');

  const forA = await allPages({ ProductCode: product, Filter: { CUSTOMER_AWS_ACCOUNT_ID: [accountA] }, MaxResults: 10 });
  assert.deepEqual(
    forA.map((p) => p.Entitlements?.length),
    [10, 10, 10, 0],
  );
  const either = await allPages({ ProductCode: product, Filter: { CUSTOMER_AWS_ACCOUNT_ID: [accountA, accountB] } });
  assert.equal(either.flatMap((p) => p.Entitlements ?? []).length, 32);
  const bStandard = await allPages({ ProductCode: product, Filter: { CUSTOMER_AWS_ACCOUNT_ID: [accountB], DIMENSION: ['standard', 'professional'] } });
  assert.deepEqual(
    bStandard.flatMap((p) => p.Entitlements ?? []).map((e) => [e.CustomerAWSAccountId, e.Dimension, e.Value?.IntegerValue]),
    [[accountB, 'standard', 2]],
  );

  // After unsubscribe-success the subscription grants nothing.
  await control('POST', `/_emulator/subscriptions/${encodeURIComponent(b1.subscription.licenseArn)}/notify`, { action: 'unsubscribe-success' });
  const afterUnsubscribe = await allPages({ ProductCode: product, Filter: { LICENSE_ARN: [b1.subscription.licenseArn] } });
  assert.equal(afterUnsubscribe.flatMap((p) => p.Entitlements ?? []).length, 0);

  await rejectsWith(entitlements.send(new GetEntitlementsCommand({ ProductCode: product, MaxResults: 26 })), InvalidParameterException);
  await rejectsWith(entitlements.send(new GetEntitlementsCommand({ ProductCode: product, NextToken: 'forged' })), InvalidParameterException);
  await rejectsWith(
    entitlements.send(new GetEntitlementsCommand({ ProductCode: product, Filter: { CUSTOMER_IDENTIFIER: ['x'], CUSTOMER_AWS_ACCOUNT_ID: [accountA] } })),
    InvalidParameterException,
  );
});

test('BatchMeterUsage records usage for subscribed accounts and reports the others', async () => {
  const created = await subscribe({ awsAccountId: '333300000001' });
  const Timestamp = new Date(clock.now().getTime() - 60_000);
  const result = await metering.send(
    new BatchMeterUsageCommand({
      ProductCode: emulator.productCode,
      UsageRecords: [
        { Timestamp, Dimension: 'instances', Quantity: 3, CustomerAWSAccountId: '333300000001', LicenseArn: created.subscription.licenseArn },
        { Timestamp, Dimension: 'instances', Quantity: 1, CustomerAWSAccountId: '999999999999' },
      ],
    }),
  );
  assert.deepEqual(
    result.Results?.map((r) => r.Status),
    ['Success', 'CustomerNotSubscribed'],
  );
  const [recorded] = result.Results ?? [];
  assert.ok(recorded?.MeteringRecordId);
  assert.equal(recorded.UsageRecord?.Timestamp?.getTime(), Timestamp.getTime(), 'timestamps travel as epoch seconds with milliseconds');
  const outside = new Date(clock.now().getTime() - 25 * 3_600_000);
  await rejectsWith(
    metering.send(new BatchMeterUsageCommand({ ProductCode: emulator.productCode, UsageRecords: [{ Timestamp: outside, Dimension: 'instances', Quantity: 1, CustomerAWSAccountId: '333300000001' }] })),
    TimestampOutOfBoundsException,
  );
});
