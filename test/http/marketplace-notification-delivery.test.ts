/**
 * AWS Marketplace notifications (DESIGN.md §4 step 6) against the local AWS emulator, how they are delivered:
 * each applied exactly once whatever the queue does (duplicates, any order, malformed messages, AWS throttling,
 * two portal processes polling), and SNS HTTPS deliveries (signatures verified with sns-validator).
 * The lifecycle they drive: marketplace-notification-lifecycle.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Subscription } from '../../src/emulator/marketplace.state.js';
import { snsNotification, topicArn } from '../../src/emulator/notifications.js';
import type { SentNotification } from '../../src/emulator/notifier.js';
import { createSnsSigner, type UnsignedSnsEnvelope } from '../../src/emulator/sns.signer.js';
import { marketplaceTopicArns } from '../../src/marketplace/notification.parse.js';
import type { NotificationResult } from '../../src/marketplace/notification.service.js';
import { createNotificationQueue } from '../../src/marketplace/aws-clients.js';
import { createQueueWorker } from '../../src/marketplace/queue.worker.js';
import { createServices } from '../../src/services.js';
import { advance, auditCount, DAY, db, drain, emulator, emulatorClock, idOf, licenceOf, licencesOf, notificationCount, notificationRow, notify, portal, purgeQueue, queue, queueDepth, sendToQueue, subscribe, subscriptionRow, transitionsOf, useNotificationsPortal } from '../support/marketplace-notifications.js';

useNotificationsPortal();

test('a duplicate (the same SNS MessageId delivered three times) is stored and applied once; every copy is deleted', async () => {
  const account = '200000000005';
  const { subscription } = subscribe(account);
  const sent = await notify(subscription, 'subscribe-success');
  await sendToQueue(sent.body, sent.body);
  const outcomes = (await drain()).map((r) => r.outcome).sort();
  assert.deepEqual(outcomes, ['duplicate', 'duplicate', 'processed']);
  assert.deepEqual(queueDepth(), { visible: 0, inFlight: 0 });
  assert.equal(await notificationCount(idOf(sent)), 1);
  assert.equal((await licencesOf(account)).length, 1);
  assert.deepEqual(await transitionsOf((await licenceOf(subscription.licenseArn)).id), ['issue→active']);
  assert.equal(await auditCount(account, 'marketplace.notification_processed'), 1);
});

test('out of order: Purchase Agreement Ended before Created records an ended subscription and never creates a licence', async () => {
  const account = '200000000006';
  const { subscription } = subscribe(account);
  const created = await notify(subscription, 'Purchase Agreement Created - Manufacturer');
  const ended = await notify(subscription, 'Purchase Agreement Ended - Manufacturer');
  await purgeQueue();
  await sendToQueue(ended.body, created.body);
  assert.deepEqual((await drain()).map((r) => r.outcome), ['processed', 'ignored']);

  const row = await subscriptionRow(subscription.licenseArn);
  assert.deepEqual([row?.status, row?.licence_id], ['unsubscribed', null]);
  const late = await notificationRow(idOf(created));
  assert.equal(late.status, 'ignored');
  assert.match(late.outcome ?? '', /^Superseded: agreement-ended/);
  assert.equal((await licencesOf(account)).length, 0);

  // EventBridge times are whole seconds: sent in the same second, the end still beats the start.
  const tied = subscribe('200000000016').subscription;
  advance(1000);
  const tiedCreated = await emulator.state.notifier.send(tied, 'Purchase Agreement Created - Manufacturer');
  const tiedEnded = await emulator.state.notifier.send(tied, 'Purchase Agreement Ended - Manufacturer');
  assert.equal((JSON.parse(tiedCreated.body) as { time: string }).time, (JSON.parse(tiedEnded.body) as { time: string }).time);
  await purgeQueue();
  await sendToQueue(tiedEnded.body, tiedCreated.body);
  assert.deepEqual((await drain()).map((r) => r.outcome), ['processed', 'ignored']);
  assert.equal((await subscriptionRow(tied.licenseArn))?.status, 'unsubscribed');
  assert.equal((await licencesOf('200000000016')).length, 0);
});

test('out of order: an old subscribe-success arriving after unsubscribe-success does not revive the subscription', async () => {
  const account = '200000000007';
  const { subscription } = subscribe(account);
  await notify(subscription, 'subscribe-success');
  await drain();
  const licence = await licenceOf(subscription.licenseArn);

  // A redelivered subscribe-success sent before the unsubscribe, consumed after it.
  const old = await notify(subscription, 'subscribe-success');
  const unsubscribed = await notify(subscription, 'unsubscribe-success');
  await purgeQueue();
  await sendToQueue(unsubscribed.body, old.body);
  assert.deepEqual((await drain()).map((r) => r.outcome), ['processed', 'ignored']);

  assert.equal((await subscriptionRow(subscription.licenseArn))?.status, 'unsubscribed');
  assert.equal((await licenceOf(subscription.licenseArn)).status, 'expired');
  assert.match((await notificationRow(idOf(old))).outcome ?? '', /^Superseded: unsubscribe-success/);
  assert.deepEqual(await transitionsOf(licence.id), ['issue→active', 'amend→active', 'expire→expired']);

  // A later subscribe-success (a new subscription of the same customer) does apply, and renews the licence.
  emulator.state.marketplace.update(subscription, { expiresAt: new Date(emulatorClock.now().getTime() + 400 * DAY) });
  await notify(subscription, 'subscribe-success');
  await drain();
  assert.equal((await subscriptionRow(subscription.licenseArn))?.status, 'subscribed');
  assert.equal((await licenceOf(subscription.licenseArn)).status, 'active');
});

test('malformed and unknown messages are stored as failed with the reason and deleted, never retried', async () => {
  const { subscription } = subscribe('200000000008');
  const unknown = emulator.sns.sign({ ...snsNotification(subscription, 'subscribe-success', { now: emulatorClock.now(), unsubscribeBaseUrl: emulator.url }), Message: JSON.stringify({ action: 'subscribe-later', 'customer-identifier': 'x', 'product-code': emulator.productCode }) });
  const event = { version: '0', id: 'event-unknown-1', 'detail-type': 'Purchase Agreement Ending - Acceptor', source: 'aws.agreement-marketplace', time: emulatorClock.now().toISOString(), detail: {} };
  await sendToQueue('{not json', JSON.stringify(unknown), JSON.stringify(event));
  const results = await drain();
  assert.deepEqual(results.map((r) => r.outcome), ['failed', 'failed', 'failed']);
  assert.deepEqual(queueDepth(), { visible: 0, inFlight: 0 });

  const rows = await db().selectFrom('marketplace_notifications').selectAll().where('status', '=', 'failed').where('kind', 'is', null).orderBy('received_at').execute();
  const byBody = (text: string) => rows.find((r) => r.body.includes(text));
  assert.match(byBody('{not json')?.message_id ?? '', /^sqs:[0-9a-f-]{36}$/, 'keyed by the SQS message id');
  assert.match(byBody('{not json')?.outcome ?? '', /not JSON/);
  assert.equal(byBody('subscribe-later')?.message_id, unknown.MessageId);
  assert.match(byBody('subscribe-later')?.outcome ?? '', /Unknown action "subscribe-later"/);
  assert.equal(byBody('subscribe-later')?.action, 'subscribe-later');
  assert.match(byBody('Purchase Agreement Ending')?.outcome ?? '', /Unknown detail-type/);

  // Delivered again (SQS at-least-once): still one row, deleted again.
  await sendToQueue(JSON.stringify(unknown));
  assert.deepEqual((await drain()).map((r) => r.outcome), ['duplicate']);
  assert.equal(await notificationCount(unknown.MessageId), 1);
});

test('AWS throttling: the message stays on the queue and is retried after the visibility timeout; after 5 receives it is stored as failed', async () => {
  const account = '200000000009';
  const { subscription } = subscribe(account);
  const sent = await notify(subscription, 'subscribe-success');
  // The SDK itself tries 3 times: all three are throttled.
  emulator.state.faults.failNext({ operation: 'GetEntitlements', error: 'Throttling', count: 3 });
  assert.deepEqual((await drain()).map((r) => r.outcome), ['retry']);
  assert.deepEqual(queueDepth(), { visible: 0, inFlight: 1 }, 'not deleted: it comes back after its visibility timeout');
  const waiting = await notificationRow(idOf(sent));
  assert.deepEqual([waiting.status, waiting.attempts], ['received', 1]);
  assert.match(waiting.last_error ?? '', /ThrottlingException/);
  assert.equal((await licencesOf(account)).length, 0, 'nothing half-applied');

  advance(31_000);
  assert.deepEqual((await drain()).map((r) => r.outcome), ['processed']);
  assert.equal((await notificationRow(idOf(sent))).attempts, 2);
  assert.equal((await licencesOf(account)).length, 1);

  const stubborn = subscribe('200000000010').subscription;
  const stuck = await notify(stubborn, 'subscribe-success');
  emulator.state.faults.failNext({ operation: 'GetEntitlements', error: 'Throttling', count: 1000 });
  const outcomes: string[] = [];
  for (let receive = 1; receive <= 5; receive += 1) {
    outcomes.push(...(await drain()).map((r) => r.outcome));
    advance(31_000);
  }
  assert.deepEqual(outcomes, ['retry', 'retry', 'retry', 'retry', 'failed']);
  assert.deepEqual(queueDepth(), { visible: 0, inFlight: 0 }, 'given up on: deleted, not retried forever');
  const failed = await notificationRow(idOf(stuck));
  assert.equal(failed.status, 'failed');
  assert.match(failed.outcome ?? '', /^Gave up after 5 attempts; last error: GetEntitlements failed: ThrottlingException/);
  assert.equal((await licencesOf('200000000010')).length, 0);
});

test('two portal processes polling one queue: every message is applied exactly once', async () => {
  const second = await createServices(portal.config, { clock: portal.clock, logger: portal.services.logger, role: 'command' });
  const secondQueue = createNotificationQueue(portal.config, emulator.queueUrl);
  const results: NotificationResult[] = [];
  const perProcess = [0, 0];
  const workers = [
    createQueueWorker({ queue, notifications: portal.services.marketplaceNotifications, logger: portal.services.logger, waitTimeSeconds: 1, onHandled: (r) => (results.push(r), (perProcess[0] = (perProcess[0] ?? 0) + 1)) }),
    createQueueWorker({ queue: secondQueue, notifications: second.marketplaceNotifications, logger: second.logger, waitTimeSeconds: 1, onHandled: (r) => (results.push(r), (perProcess[1] = (perProcess[1] ?? 0) + 1)) }),
  ];
  try {
    const accounts = Array.from({ length: 8 }, (_, i) => `20000000010${i}`);
    const sent: SentNotification[] = [];
    for (const account of accounts) sent.push(await notify(subscribe(account, { quantity: 4 }).subscription, 'subscribe-success'));
    // Each message also delivered a second time (at-least-once), so duplicates race across the two processes.
    await sendToQueue(...sent.map((s) => s.body));
    for (const w of workers) w.start();

    const deadline = Date.now() + 30_000;
    for (;;) {
      const depth = queueDepth();
      if (depth.visible + depth.inFlight === 0) break;
      assert.ok(Date.now() < deadline, `queue not drained: ${JSON.stringify(depth)}`);
      // A copy left in flight (its twin was being applied by the other process) comes back after the visibility timeout.
      if (depth.visible === 0) advance(31_000);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const stopStarted = Date.now();
    await Promise.all(workers.map((w) => w.stop()));
    assert.ok(Date.now() - stopStarted < 2_500, 'stopping aborts the long poll');

    assert.ok(perProcess.every((n) => n > 0), `both processes took messages: ${perProcess.join(' + ')}`);
    assert.equal(results.filter((r) => r.outcome === 'processed').length, 8, JSON.stringify(results.map((r) => r.outcome)));
    assert.ok(results.every((r) => ['processed', 'duplicate', 'in-progress'].includes(r.outcome)));
    for (const [i, account] of accounts.entries()) {
      const notification = await notificationRow(idOf(sent[i] ?? ''));
      assert.deepEqual([notification.status, notification.attempts], ['processed', 1], account);
      const licences = await licencesOf(account);
      assert.equal(licences.length, 1, account);
      assert.deepEqual(await transitionsOf(licences[0]?.id ?? ''), ['issue→active'], account);
      assert.equal(await auditCount(account, 'marketplace.notification_processed'), 1, account);
    }
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    secondQueue.destroy();
    await second.close();
  }
});

test('the worker stops cleanly in the middle of a 20-second long poll', async () => {
  const patient = createQueueWorker({ queue, notifications: portal.services.marketplaceNotifications, logger: portal.services.logger });
  patient.start();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const started = Date.now();
  await patient.stop();
  assert.ok(Date.now() - started < 2_000, `stop took ${Date.now() - started} ms`);
});

// SNS HTTPS subscription (last: once the portal's endpoint is subscribed, every SNS notification is also posted to it).

const endpoint = () => `${portal.url}/marketplace/sns`;
const postSns = (body: string, headers: Record<string, string> = {}) =>
  fetch(endpoint(), { method: 'POST', headers: { 'content-type': 'text/plain; charset=UTF-8', 'user-agent': 'Amazon Simple Notification Service Agent', ...headers }, body });
const unsigned = (subscription: Subscription, action: Parameters<typeof snsNotification>[1]): UnsignedSnsEnvelope => snsNotification(subscription, action, { now: emulatorClock.now(), unsubscribeBaseUrl: emulator.url });

test('SNS HTTPS: the subscription confirmations are verified and confirmed (only for the two Marketplace topics)', async () => {
  assert.deepEqual(marketplaceTopicArns(emulator.productCode), [topicArn('subscription', emulator.productCode), topicArn('entitlement', emulator.productCode)]);
  const subscriptions = await emulator.state.notifier.subscribeEndpointToProduct(endpoint(), emulator.productCode);
  assert.deepEqual(subscriptions.map((s) => s.status), ['confirmed', 'confirmed']);
  const confirmations = await db().selectFrom('audit_events').selectAll().where('event', '=', 'marketplace.sns_subscription_confirmed').execute();
  assert.deepEqual(confirmations.map((c) => c.details.topicArn).sort(), marketplaceTopicArns(emulator.productCode).slice().sort());

  // A genuine SNS signature for a look-alike topic in another account: refused, not confirmed.
  const lookAlike = 'arn:aws:sns:us-east-1:999999999999:aws-mp-subscription-notification-' + emulator.productCode;
  const other = await emulator.state.notifier.subscribeEndpoint(lookAlike, endpoint());
  assert.equal(other.status, 'pending-confirmation');
  assert.match(emulator.state.notifier.deliveries()[0]?.outcome ?? '', /HTTP 403/);
});

test('SNS HTTPS: a signed notification (v2 or v1) is processed; the same message from the queue is then a duplicate', async () => {
  const account = '200000000201';
  const { subscription } = subscribe(account);
  const sent = await notify(subscription, 'subscribe-success');
  assert.ok(sent.deliveries.some((d) => d.target === endpoint() && d.outcome === 'HTTP 200'), JSON.stringify(sent.deliveries));
  const stored = await notificationRow(idOf(sent));
  assert.deepEqual([stored.source, stored.status], ['sns-https', 'processed']);
  assert.equal((await licenceOf(subscription.licenseArn)).status, 'active');

  assert.deepEqual((await drain()).map((r) => r.outcome), ['duplicate'], 'the SQS copy of the same SNS message');
  assert.equal(await notificationCount(idOf(sent)), 1);
  assert.equal((await licencesOf(account)).length, 1);

  emulator.state.marketplace.update(subscription, { quantity: 11 });
  advance(1000);
  const v1 = emulator.sns.sign(unsigned(subscription, 'entitlement-updated'), '1');
  const response = await postSns(JSON.stringify(v1), { 'x-amz-sns-message-type': 'Notification', origin: 'https://sns.amazonaws.com', 'sec-fetch-site': 'cross-site' });
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { outcome: 'processed' });
  assert.equal((await licenceOf(subscription.licenseArn)).seats, 11);
});

test('SNS HTTPS: forged, tampered or wrongly addressed messages are refused with 403 and nothing is stored', async () => {
  const { subscription } = subscribe('200000000202');
  advance(1000);
  const genuine = emulator.sns.sign(unsigned(subscription, 'subscribe-success'));

  const tampered = { ...genuine, Message: genuine.Message.replace(subscription.customerIdentifier, 'someone-else') };
  const otherKey = createSnsSigner({ signingCertUrl: emulator.sns.signingCertUrl }).sign(unsigned(subscription, 'subscribe-success'));
  const plainHttpCert = { ...genuine, SigningCertURL: `${emulator.url}/sns/cert.pem` };
  const foreignHost = { ...genuine, SigningCertURL: 'https://sns.us-east-1.amazonaws.com.evil.example/cert.pem' };
  const wrongTopic = emulator.sns.sign({ ...unsigned(subscription, 'subscribe-success'), TopicArn: 'arn:aws:sns:us-east-1:999999999999:aws-mp-subscription-notification-' + emulator.productCode });
  const otherProduct = emulator.sns.sign({ ...unsigned(subscription, 'subscribe-success'), TopicArn: topicArn('subscription', 'someotherproduct') });
  const cases: [string, unknown, RegExp][] = [
    ['tampered message', tampered, /signature did not verify: The message signature is invalid/],
    ['signed with another key', otherKey, /signature did not verify/],
    ['certificate over plain http', plainHttpCert, /signature did not verify: The certificate is located on an invalid domain/],
    ['certificate on another host', foreignHost, /invalid domain/],
    ['look-alike topic in another account', wrongTopic, /are not accepted/],
    ["another product's topic", otherProduct, /are not accepted/],
  ];
  for (const [name, envelope, reason] of cases) {
    const response = await postSns(JSON.stringify(envelope));
    assert.equal(response.status, 403, name);
    assert.match(((await response.json()) as { error: string }).error, reason, name);
    assert.equal(await notificationCount((envelope as { MessageId: string }).MessageId), 0, name);
  }
  assert.equal((await postSns('not json')).status, 400);
  assert.equal((await postSns(JSON.stringify({ Type: 'Gossip' }))).status, 400);
  assert.equal((await subscriptionRow(subscription.licenseArn)), undefined, 'no forged message changed anything');

  // The genuine one still goes through.
  const ok = await postSns(JSON.stringify(genuine));
  assert.equal(ok.status, 200);
  assert.equal((await subscriptionRow(subscription.licenseArn))?.status, 'subscribed');
  for (const s of emulator.state.notifier.httpSubscriptions()) emulator.state.notifier.unsubscribe(s.subscriptionArn);
});
