/**
 * The local AWS emulator, driven only through the official AWS SDK v3 clients (plus its control API and pages),
 * the way the portal will use it.
 *
 *   node --import tsx --test test/emulator/emulator.test.ts
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import {
  BatchMeterUsageCommand,
  ExpiredTokenException,
  InternalServiceErrorException,
  InvalidTokenException,
  MarketplaceMeteringClient,
  ResolveCustomerCommand,
  ThrottlingException,
  TimestampOutOfBoundsException,
} from '@aws-sdk/client-marketplace-metering';
import {
  GetEntitlementsCommand,
  InvalidParameterException,
  MarketplaceEntitlementServiceClient,
  ThrottlingException as EntitlementThrottling,
  type GetEntitlementsCommandInput,
} from '@aws-sdk/client-marketplace-entitlement-service';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  PurgeQueueCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import MessageValidator from 'sns-validator';
import { ManualClock } from '../../src/core/clock.js';
import { startEmulator, type Emulator } from '../../src/emulator/emulator.server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const clock = new ManualClock(new Date());
let emulator: Emulator;
let metering: MarketplaceMeteringClient;
let entitlements: MarketplaceEntitlementServiceClient;
let sqs: SQSClient;

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

interface CreatedSubscription {
  subscription: { licenseArn: string; awsAccountId: string; customerIdentifier: string; status: string };
  registrationToken: string;
}

async function control<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const json = (await response.json()) as T;
  assert.ok(response.ok, `${method} ${path} → ${response.status} ${JSON.stringify(json)}`);
  return json;
}

const subscribe = (fields: Record<string, unknown>) => control<CreatedSubscription>('POST', '/_emulator/subscriptions', { dimension: 'standard', quantity: 1, notify: false, ...fields });

function rejectsWith<T>(promise: Promise<unknown>, type: abstract new (...args: never[]) => T): Promise<T> {
  return promise.then(
    () => assert.fail(`expected ${type.name}`),
    (error: unknown) => {
      assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
      return error;
    },
  );
}

/** Validates an SNS envelope with sns-validator, whose certificate host pattern is given for loopback. */
function validateSns(envelope: unknown): Promise<Record<string, string>> {
  const validator = new MessageValidator(/^127\.0\.0\.1:\d+$/);
  return new Promise((resolve, reject) => validator.validate(envelope as Record<string, string>, (error, message) => (error ? reject(error) : resolve(message as Record<string, string>))));
}

/** A plain GET, as a browser or a subscriber following an SNS link does; https trusts the emulator's certificate (see before). */
function httpsGet(url: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) =>
    https
      .get(url, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      })
      .on('error', reject),
  );
}

/** A local HTTP endpoint that records the SNS messages posted to it. */
async function startSnsEndpoint() {
  const received: { headers: http.IncomingHttpHeaders; body: Record<string, string> }[] = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push({ headers: request.headers, body: JSON.parse(body) as Record<string, string> });
      response.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/marketplace/sns`, received, close: () => server.close() };
}

async function receiveAll(queueUrl: string) {
  const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
  for (const m of Messages) await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
  return Messages;
}

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

test('SQS: send, receive with attributes, visibility timeout and receive count, delete, attributes, missing queue', async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'visibility-test', Attributes: { VisibilityTimeout: '30' } }));
  assert.ok(QueueUrl?.startsWith(emulator.url));
  assert.equal((await sqs.send(new GetQueueUrlCommand({ QueueName: 'visibility-test' }))).QueueUrl, QueueUrl);
  const sent = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'hello ✓', MessageAttributes: { kind: { DataType: 'String', StringValue: 'greeting' } } }));
  assert.ok(sent.MessageId);
  assert.match(sent.MD5OfMessageAttributes ?? '', /^[0-9a-f]{32}$/);

  const receive = () => sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['ApproximateReceiveCount'], MessageAttributeNames: ['All'] }));
  const [first, ...more] = (await receive()).Messages ?? [];
  assert.ok(first);
  assert.equal(more.length, 0);
  assert.equal(first.Body, 'hello ✓');
  assert.equal(first.Attributes?.ApproximateReceiveCount, '1');
  assert.equal(first.MessageAttributes?.kind?.StringValue, 'greeting');
  assert.equal((await receive()).Messages, undefined, 'invisible while in flight');
  const counts = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
  assert.equal(counts.Attributes?.VisibilityTimeout, '30');
  assert.equal(counts.Attributes.ApproximateNumberOfMessagesNotVisible, '1');

  clock.advance(31_000);
  const [second] = (await receive()).Messages ?? [];
  assert.ok(second);
  assert.equal(second.Attributes?.ApproximateReceiveCount, '2');
  assert.notEqual(second.ReceiptHandle, first.ReceiptHandle);
  // As in SQS, only the latest receipt handle deletes; an older one is accepted but deletes nothing.
  await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: first.ReceiptHandle }));
  await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: second.ReceiptHandle, VisibilityTimeout: 0 }));
  const [third] = (await receive()).Messages ?? [];
  assert.ok(third);
  assert.equal(third.Attributes?.ApproximateReceiveCount, '3');
  await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: third.ReceiptHandle }));
  clock.advance(31_000);
  assert.equal((await receive()).Messages, undefined, 'deleted');

  await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'to purge' }));
  await sqs.send(new PurgeQueueCommand({ QueueUrl }));
  assert.equal((await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes?.ApproximateNumberOfMessages, '0');

  const missing = await rejectsWith(sqs.send(new GetQueueUrlCommand({ QueueName: 'no-such-queue' })), QueueDoesNotExist);
  assert.equal(missing.$metadata.httpStatusCode, 400);
});

test('SQS long polling returns as soon as a message arrives, and waits the full time when none does', async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'long-poll-test' }));
  let started = performance.now();
  const empty = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
  const waited = performance.now() - started;
  assert.equal(empty.Messages, undefined);
  assert.ok(waited >= 950, `waited ${waited} ms`);

  started = performance.now();
  const polling = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 10 }));
  setTimeout(() => void sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'late' })), 300);
  const { Messages } = await polling;
  const elapsed = performance.now() - started;
  assert.equal(Messages?.[0]?.Body, 'late');
  assert.ok(elapsed >= 250 && elapsed < 3000, `answered after ${elapsed} ms`);
});

test('a subscription notification arrives on the queue as an SNS envelope whose signature verifies with sns-validator', async () => {
  await receiveAll(emulator.queueUrl);
  const created = await subscribe({ awsAccountId: '444400000001', freeTrial: true });
  const arn = encodeURIComponent(created.subscription.licenseArn);
  await control('POST', `/_emulator/subscriptions/${arn}/notify`, { action: 'subscribe-success' });
  await control('PATCH', `/_emulator/subscriptions/${arn}`, { quantity: 9, notify: false });
  await control('POST', `/_emulator/subscriptions/${arn}/notify`, { action: 'entitlement-updated' });

  const messages = await receiveAll(emulator.queueUrl);
  assert.equal(messages.length, 2);
  const [subscribed, updated] = messages.map((m) => JSON.parse(m.Body ?? '') as Record<string, string>);
  assert.ok(subscribed !== undefined && updated !== undefined);
  assert.equal(subscribed.Type, 'Notification');
  assert.equal(subscribed.TopicArn, `arn:aws:sns:us-east-1:287250355862:aws-mp-subscription-notification-${emulator.productCode}`);
  assert.deepEqual(JSON.parse(subscribed.Message ?? ''), {
    action: 'subscribe-success',
    'customer-identifier': created.subscription.customerIdentifier,
    'product-code': emulator.productCode,
    'offer-identifier': (await control<{ subscriptions: { licenseArn: string; offerId: string }[] }>('GET', '/_emulator/state')).subscriptions.find((s) => s.licenseArn === created.subscription.licenseArn)?.offerId,
    isFreeTrialTermPresent: 'true',
  });
  assert.equal(updated.TopicArn, `arn:aws:sns:us-east-1:287250355862:aws-mp-entitlement-notification-${emulator.productCode}`);
  assert.equal((JSON.parse(updated.Message ?? '') as { action: string }).action, 'entitlement-updated');

  assert.equal(subscribed.SignatureVersion, '2');
  assert.match(subscribed.SigningCertURL ?? '', /^https:\/\/127\.0\.0\.1:\d+\/sns\/cert\.pem$/);
  await validateSns(subscribed);
  await validateSns(updated);
  // The same certificate is served over plain http too.
  assert.equal(await (await fetch(`${emulator.url}/sns/cert.pem`)).text(), emulator.sns.certificatePem);

  // Tampering breaks the signature; the helper signs SignatureVersion 1 (SHA1) envelopes for tests too.
  await assert.rejects(validateSns({ ...subscribed, Message: subscribed.Message?.replace('subscribe-success', 'unsubscribe-success') }), /signature is invalid/);
  const v1 = emulator.sns.sign({ Type: 'Notification', MessageId: 'm-1', TopicArn: subscribed.TopicArn, Message: '{}', Timestamp: new Date().toISOString(), Subject: 'hello' }, '1');
  assert.equal(v1.SignatureVersion, '1');
  await validateSns(v1);
});

test('EventBridge agreement and licence events arrive on the queue with the buyer account, licence, product and agreement', async () => {
  await receiveAll(emulator.queueUrl);
  const created = await subscribe({ awsAccountId: '444400000002' });
  const arn = encodeURIComponent(created.subscription.licenseArn);
  await control('POST', `/_emulator/subscriptions/${arn}/notify`, { action: 'License Deprovisioned - Manufacturer' });
  const [message] = await receiveAll(emulator.queueUrl);
  const event = JSON.parse(message?.Body ?? '') as { source: string; 'detail-type': string; region: string; detail: { acceptor: { accountId: string }; license: { arn: string }; product: { code: string }; agreement: { id: string } } };
  assert.equal(event.source, 'aws.agreement-marketplace');
  assert.equal(event['detail-type'], 'License Deprovisioned - Manufacturer');
  assert.equal(event.region, 'us-east-1');
  assert.equal(event.detail.acceptor.accountId, '444400000002');
  assert.equal(event.detail.license.arn, created.subscription.licenseArn);
  assert.equal(event.detail.product.code, emulator.productCode);
  assert.match(event.detail.agreement.id, /^agmt-/);
  const { Entitlements } = await entitlements.send(new GetEntitlementsCommand({ ProductCode: emulator.productCode, Filter: { LICENSE_ARN: [created.subscription.licenseArn] } }));
  assert.deepEqual(Entitlements, [], 'deprovisioned: no entitlements');
});

test('an HTTP endpoint gets signed SubscriptionConfirmations, confirms through SubscribeURL, then receives notifications', async () => {
  const endpoint = await startSnsEndpoint();
  const { received } = endpoint;
  try {
    await control('POST', '/_emulator/sns/subscriptions', { endpoint: endpoint.url });
    assert.deepEqual(received.map((r) => r.headers['x-amz-sns-message-type']), ['SubscriptionConfirmation', 'SubscriptionConfirmation']);
    for (const { body } of received) {
      await validateSns(body);
      const confirmation = await httpsGet(body.SubscribeURL ?? '');
      assert.match(confirmation.text, /<ConfirmSubscriptionResponse[\s\S]*<SubscriptionArn>arn:aws:sns:us-east-1:287250355862:aws-mp-/);
    }
    received.length = 0;
    const created = await subscribe({ awsAccountId: '444400000003' });
    await control('POST', `/_emulator/subscriptions/${encodeURIComponent(created.subscription.licenseArn)}/notify`, { action: 'unsubscribe-pending' });
    const [notification, ...more] = received;
    assert.ok(notification);
    assert.equal(more.length, 0);
    assert.equal(notification.headers['x-amz-sns-message-type'], 'Notification');
    assert.match(String(notification.headers['x-amz-sns-subscription-arn']), /aws-mp-subscription-notification-/);
    await validateSns(notification.body);
  } finally {
    endpoint.close();
  }
});

test("a GET on a notification's UnsubscribeURL ends that recipient's subscription: the topic sends it nothing more", async () => {
  const endpoint = await startSnsEndpoint();
  const { received } = endpoint;
  try {
    await control('POST', '/_emulator/sns/subscriptions', { endpoint: endpoint.url });
    for (const { body } of received) await httpsGet(body.SubscribeURL ?? '');
    received.length = 0;
    await receiveAll(emulator.queueUrl);
    const created = await subscribe({ awsAccountId: '444400000004' });
    const notify = (action: string) => control('POST', `/_emulator/subscriptions/${encodeURIComponent(created.subscription.licenseArn)}/notify`, { action });

    await notify('subscribe-success');
    const [queued] = await receiveAll(emulator.queueUrl);
    const [posted, ...more] = received;
    assert.ok(queued !== undefined && posted !== undefined);
    assert.equal(more.length, 0);
    const queueEnvelope = JSON.parse(queued.Body ?? '') as Record<string, string>;
    // Like SNS, each recipient's copy links to its own subscription (the endpoint's is also in a header); both still verify.
    const subscriptionArnIn = (envelope: Record<string, string>) => new URL(envelope.UnsubscribeURL ?? '').searchParams.get('SubscriptionArn');
    assert.equal(subscriptionArnIn(posted.body), posted.headers['x-amz-sns-subscription-arn']);
    assert.ok(subscriptionArnIn(queueEnvelope)?.startsWith(`${queueEnvelope.TopicArn ?? ''}:`));
    assert.notEqual(subscriptionArnIn(queueEnvelope), subscriptionArnIn(posted.body));
    assert.equal(queueEnvelope.MessageId, posted.body.MessageId, 'one message, two deliveries');
    await validateSns(queueEnvelope);
    await validateSns(posted.body);

    for (const envelope of [queueEnvelope, posted.body]) {
      const answer = await httpsGet(envelope.UnsubscribeURL ?? '');
      assert.equal(answer.status, 200);
      assert.match(answer.text, /^<\?xml version="1\.0"\?>\n<UnsubscribeResponse xmlns="http:\/\/sns\.amazonaws\.com\/doc\/2010-03-31\/"><ResponseMetadata><RequestId>[^<]+<\/RequestId><\/ResponseMetadata><\/UnsubscribeResponse>/);
    }
    const state = await control<{ httpSubscriptions: { subscriptionArn: string; status: string }[] }>('GET', '/_emulator/state');
    assert.equal(state.httpSubscriptions.find((s) => s.subscriptionArn === subscriptionArnIn(posted.body))?.status, 'unsubscribed');

    received.length = 0;
    await notify('unsubscribe-pending');
    assert.deepEqual(await receiveAll(emulator.queueUrl), [], 'the queue unsubscribed from the subscription topic');
    assert.deepEqual(received, [], 'so did the endpoint');
    // Their subscriptions to the entitlement topic go on.
    await notify('entitlement-updated');
    const [entitlementMessage] = await receiveAll(emulator.queueUrl);
    assert.match(entitlementMessage?.Body ?? '', /aws-mp-entitlement-notification-/);
    assert.equal(received.length, 1);
  } finally {
    endpoint.close();
    // Subscribes the queue to every topic again for the tests after this one.
    await control('POST', '/_emulator/reset');
  }
});

test('the buyer page subscribes and answers with a form that posts x-amzn-marketplace-token to the portal', async () => {
  const page = await fetch(`${emulator.url}/buyer`);
  assert.equal(page.status, 200);
  const html = await page.text();
  for (const field of ['awsAccountId', 'dimension', 'quantity', 'durationMonths', 'freeTrial', 'legacyListing']) {
    assert.match(html, new RegExp(`<label[^>]*for="field-${field}"`), `a label for ${field}`);
    assert.match(html, new RegExp(`id="field-${field}"`));
  }
  const post = (form: Record<string, string>) => fetch(`${emulator.url}/buyer/subscribe`, { method: 'POST', body: new URLSearchParams(form) });

  const refused = await post({ awsAccountId: '1234', dimension: 'standard', quantity: '2' });
  assert.equal(refused.status, 400);
  assert.match(await refused.text(), /12-digit AWS account ID/);

  const done = await post({ awsAccountId: '5555 6666 7777', dimension: 'professional', quantity: '3', durationMonths: '12' });
  assert.equal(done.status, 200);
  const result = await done.text();
  const form = /<form method="post" action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/.exec(result);
  const [, action, fields = ''] = form ?? [];
  assert.equal(action, 'http://portal.test:3000/marketplace/landing');
  assert.match(fields, /<button type="submit"[^>]*>Set up your account<\/button>/);
  const token = /<input type="hidden" name="x-amzn-marketplace-token" value="([^"]+)"/.exec(fields)?.[1];
  assert.ok(token);
  const resolved = await metering.send(new ResolveCustomerCommand({ RegistrationToken: token }));
  assert.equal(resolved.CustomerAWSAccountId, '555566667777');
  const { Entitlements } = await entitlements.send(new GetEntitlementsCommand({ ProductCode: emulator.productCode, Filter: { LICENSE_ARN: [resolved.LicenseArn ?? ''] } }));
  const [entitlement] = Entitlements ?? [];
  assert.ok(entitlement);
  assert.equal(entitlement.Dimension, 'professional');
  assert.equal(entitlement.Value?.IntegerValue, 3);
  assert.ok(entitlement.ExpirationDate instanceof Date);

  const controls = await fetch(`${emulator.url}/_emulator`);
  assert.equal(controls.status, 200);
  assert.match(await controls.text(), /555566667777|5555-6666-7777/);
});

test('the CLI: `emulator --help` describes the options; `emulator` starts, prints the portal settings and stops on SIGTERM', async () => {
  const run = (args: string[]) => spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const help = run(['emulator', '--help']);
  let helpText = '';
  help.stdout.on('data', (chunk: Buffer) => (helpText += chunk.toString()));
  const [helpCode] = (await once(help, 'exit')) as [number];
  assert.equal(helpCode, 0);
  for (const option of ['--port', '--portal-url', '--product-code']) assert.ok(helpText.includes(option), option);

  const server = run(['emulator', '--port', '0', '--product-code', 'cliproduct']);
  let output = '';
  server.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    const deadline = Date.now() + 10_000;
    while (!output.includes('MARKETPLACE_PRODUCT_CODE') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.match(output, /export AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:\d+/);
    assert.match(output, /export MARKETPLACE_QUEUE_URL=http:\/\/127\.0\.0\.1:\d+\/\d{12}\/webstream-marketplace-notifications/);
    assert.match(output, /export MARKETPLACE_PRODUCT_CODE=cliproduct/);
    assert.match(output, /AWS_REGION=us-east-1/);
  } finally {
    server.kill('SIGTERM');
  }
  const [code] = (await once(server, 'exit')) as [number | null];
  assert.equal(code, 0);
});
