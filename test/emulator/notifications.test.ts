/**
 * The local AWS emulator's notifications, driven only through the official AWS SDK v3 clients (plus its control
 * API): its SQS queues, SNS envelopes and EventBridge events on the queue, and SNS HTTP(S) subscriptions with
 * their confirmations and UnsubscribeURLs, every signature checked with sns-validator.
 *
 *   node --import tsx --test test/emulator/notifications.test.ts
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { GetEntitlementsCommand } from '@aws-sdk/client-marketplace-entitlement-service';
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
} from '@aws-sdk/client-sqs';
import MessageValidator from 'sns-validator';
import { clock, control, emulator, entitlements, rejectsWith, sqs, subscribe, useEmulator } from '../support/emulator.js';

useEmulator();

/** Validates an SNS envelope with sns-validator, whose certificate host pattern is given for loopback. */
function validateSns(envelope: unknown): Promise<Record<string, string>> {
  const validator = new MessageValidator(/^127\.0\.0\.1:\d+$/);
  return new Promise((resolve, reject) => validator.validate(envelope as Record<string, string>, (error, message) => (error ? reject(error) : resolve(message as Record<string, string>))));
}

/** A plain GET, as a browser or a subscriber following an SNS link does; https trusts the emulator's certificate (see useEmulator). */
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
