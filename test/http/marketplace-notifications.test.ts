/**
 * AWS Marketplace notifications (DESIGN.md §4 step 6) against the local AWS emulator: SNS and EventBridge
 * messages through the SQS queue (official SDK client, the portal's own poller) and SNS HTTPS deliveries
 * (signatures verified with sns-validator), each driving the subscription and its licence exactly once,
 * in any order, before or after the buyer reaches the portal.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { PurgeQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ManualClock } from '../../src/core/clock.js';
import { startEmulator, type Emulator } from '../../src/emulator/emulator.server.js';
import type { Subscription } from '../../src/emulator/marketplace.state.js';
import { snsNotification, topicArn, type NotificationAction } from '../../src/emulator/notifications.js';
import type { SentNotification } from '../../src/emulator/notifier.js';
import { createSnsSigner, type UnsignedSnsEnvelope } from '../../src/emulator/sns.signer.js';
import { marketplaceTopicArns } from '../../src/marketplace/notification.parse.js';
import type { NotificationResult } from '../../src/marketplace/notification.service.js';
import { createNotificationQueue, type NotificationQueue } from '../../src/marketplace/aws-clients.js';
import { createQueueWorker, type QueueWorker } from '../../src/marketplace/queue.worker.js';
import { createServices } from '../../src/services.js';
import { errorsOn, FormAgent } from '../support/form-agent.js';
import { createTestPortal, GOOD_PASSWORD, type TestPortal } from '../support/test-portal.js';

const DAY = 86_400_000;
/** What AWS's cross-site form post looks like. */
const FROM_AWS = { origin: 'https://aws.amazon.com', 'sec-fetch-site': 'cross-site' };

let emulator: Emulator;
let portal: TestPortal;
let sqs: SQSClient;
let queue: NotificationQueue;
let worker: QueueWorker;
let caDir: string;
const emulatorClock = new ManualClock(new Date());
const handled: NotificationResult[] = [];

before(async () => {
  emulator = await startEmulator({ clock: emulatorClock, notifications: 'none' });
  caDir = await fs.mkdtemp(path.join(os.tmpdir(), 'wsp-sns-ca-'));
  const caFile = path.join(caDir, 'emulator-sns.pem');
  await fs.writeFile(caFile, emulator.sns.certificatePem);
  portal = await createTestPortal({
    listen: true,
    env: {
      AWS_ENDPOINT_URL: emulator.url,
      MARKETPLACE_PRODUCT_CODE: emulator.productCode,
      MARKETPLACE_QUEUE_URL: emulator.queueUrl,
      // The emulator's SigningCertURL and SubscribeURL are https on loopback with its own certificate.
      MARKETPLACE_SNS_HOST_PATTERN: '^127\\.0\\.0\\.1:\\d+$',
      MARKETPLACE_SNS_CA_FILE: caFile,
    },
  });
  portal.clock.set(emulatorClock.now());
  // The test's own client sends and purges; the worker reads through the portal's queue.
  sqs = new SQSClient({ endpoint: emulator.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  queue = createNotificationQueue(portal.config, emulator.queueUrl);
  worker = createQueueWorker({ queue, notifications: portal.services.marketplaceNotifications, logger: portal.services.logger, waitTimeSeconds: 0, onHandled: (r) => handled.push(r) });
});
after(async () => {
  sqs.destroy();
  queue.destroy();
  await portal.close();
  await emulator.stop();
  await fs.rm(caDir, { recursive: true, force: true });
});
afterEach(() => {
  emulator.state.faults.clear();
  handled.length = 0;
});

/** Moves both clocks: the portal's (licence dates) and the emulator's (message times, SQS visibility). */
function advance(ms: number): void {
  emulatorClock.advance(ms);
  portal.clock.advance(ms);
}

function subscribe(awsAccountId: string, options: { dimension?: string; quantity?: number; days?: number; legacyListing?: boolean } = {}) {
  return emulator.state.marketplace.create({
    awsAccountId,
    dimension: options.dimension ?? 'professional',
    quantity: options.quantity ?? 7,
    expiresAt: new Date(emulatorClock.now().getTime() + (options.days ?? 365) * DAY),
    legacyListing: options.legacyListing ?? false,
  });
}

/** Marketplace sends a notification (SNS envelope or EventBridge event, by action) a second after the last one. */
async function notify(subscription: Subscription, action: NotificationAction): Promise<SentNotification> {
  advance(1000);
  return emulator.state.notifier.send(subscription, action);
}

const idOf = (sent: SentNotification | string): string => {
  const body = JSON.parse(typeof sent === 'string' ? sent : sent.body) as { MessageId?: string; id?: string };
  return body.MessageId ?? body.id ?? '';
};

/** Polls until the queue gives nothing more; returns what the worker did with each message. */
async function drain(): Promise<NotificationResult[]> {
  const start = handled.length;
  for (let round = 0; round < 50; round += 1) {
    if ((await worker.pollOnce()).received === 0) break;
  }
  return handled.slice(start);
}

/** Puts bodies on the queue in this order (as SQS would deliver them out of order, or twice). */
async function sendToQueue(...bodies: string[]): Promise<void> {
  for (const body of bodies) await sqs.send(new SendMessageCommand({ QueueUrl: emulator.queueUrl, MessageBody: body }));
}

async function purgeQueue(): Promise<void> {
  await sqs.send(new PurgeQueueCommand({ QueueUrl: emulator.queueUrl }));
}

function queueDepth(): { visible: number; inFlight: number } {
  const attributes = emulator.state.queues.attributesOf(emulator.state.queues.byUrl(emulator.queueUrl));
  return { visible: Number(attributes.ApproximateNumberOfMessages), inFlight: Number(attributes.ApproximateNumberOfMessagesNotVisible) };
}

const db = () => portal.services.db;
const subscriptionRow = (licenceArn: string) => db().selectFrom('marketplace_subscriptions').selectAll().where('licence_arn', '=', licenceArn).executeTakeFirst();
const notificationRow = (messageId: string) => db().selectFrom('marketplace_notifications').selectAll().where('message_id', '=', messageId).executeTakeFirstOrThrow();
const licencesOf = (awsAccountId: string) => db().selectFrom('licences').selectAll().where('aws_account_id', '=', awsAccountId).orderBy('created_at').execute();
async function licenceOf(licenceArn: string) {
  const row = await subscriptionRow(licenceArn);
  assert.ok(row?.licence_id, `no licence for ${licenceArn}`);
  return db().selectFrom('licences').selectAll().where('id', '=', row.licence_id).executeTakeFirstOrThrow();
}
const transitionsOf = async (licenceId: string) => (await portal.services.licences.transitionsFor(licenceId)).map((t) => `${t.action}→${t.to_status}`);
const auditCount = async (awsAccountId: string, event: string) =>
  Number((await db().selectFrom('audit_events').select((eb) => eb.fn.countAll().as('n')).where('aws_account_id', '=', awsAccountId).where('event', '=', event).executeTakeFirstOrThrow()).n);
const notificationCount = async (messageId: string) => Number((await db().selectFrom('marketplace_notifications').select((eb) => eb.fn.countAll().as('n')).where('message_id', '=', messageId).executeTakeFirstOrThrow()).n);
const sameSecond = (a: Date | null | undefined, b: Date) => Math.floor((a?.getTime() ?? 0) / 1000) === Math.floor(b.getTime() / 1000);

test('subscribe-success before the buyer arrives creates the subscription and licence; the buyer then lands, registers and provisions the same licence', async () => {
  const account = '200000000001';
  const { subscription, token } = subscribe(account, { dimension: 'professional', quantity: 7, days: 365 });
  const sent = await notify(subscription, 'subscribe-success');
  assert.deepEqual((await drain()).map((r) => r.outcome), ['processed']);
  assert.deepEqual(queueDepth(), { visible: 0, inFlight: 0 }, 'deleted once processed');

  // SNS names only the customer identifier (a new integration never gets it from ResolveCustomer): GetEntitlements maps it.
  const row = await subscriptionRow(subscription.licenseArn);
  assert.ok(row !== undefined);
  assert.deepEqual([row.status, row.aws_account_id, row.customer_identifier, row.landed_at, row.linked_at], ['subscribed', account, subscription.customerIdentifier, null, null]);
  const licence = await licenceOf(subscription.licenseArn);
  assert.deepEqual([licence.status, licence.source, licence.plan, licence.seats], ['active', 'marketplace', 'professional', 7]);
  assert.ok(sameSecond(licence.ends_at, subscription.expiresAt ?? new Date(0)));
  const stored = await notificationRow(idOf(sent));
  assert.deepEqual(
    [stored.status, stored.source, stored.kind, stored.action, stored.subscription_id, stored.customer_identifier, stored.product_code, stored.attempts, stored.status_set],
    ['processed', 'sqs', 'subscribe-success', 'subscribe-success', row.id, subscription.customerIdentifier, emulator.productCode, 1, 'subscribed'],
  );
  assert.match(stored.outcome ?? '', /subscription recorded as subscribed; licence create/);
  assert.equal(stored.body, sent.body, 'the raw body is kept');
  assert.equal(await auditCount(account, 'marketplace.notification_processed'), 1);

  // The buyer comes later: lands, creates the portal account on the link page, provisions.
  const agent = new FormAgent(portal.app, portal.config.publicUrl.origin);
  const landed = await agent.post('/marketplace/landing', { 'x-amzn-marketplace-token': token.token }, FROM_AWS);
  assert.equal(landed.status, 200, errorsOn(landed.body).join(' | '));
  await agent.get('/portal/marketplace/link');
  const registered = await agent.post('/portal/marketplace/register', { accountId: account, email: 'early@example.com', password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD });
  assert.equal(registered.status, 303, errorsOn(registered.body).join(' | '));
  const progress = await agent.get(registered.location ?? '');
  const subscriptionId = /name="subscription" value="([^"]+)"/.exec(progress.body)?.[1] ?? '';
  assert.equal(subscriptionId, row.id, 'the same subscription, not a second one');
  const provisioned = await agent.post('/portal/marketplace/provision', { subscription: subscriptionId });
  assert.equal(provisioned.location, '/portal/entitlements?notice=marketplace-provisioned');
  const page = await agent.get('/portal/entitlements');
  assert.match(page.body, /professional/);
  assert.match(page.body, /0 \/ 7/);

  const licences = await licencesOf(account);
  assert.equal(licences.length, 1, 'one licence: provisioning found the one the notification made');
  assert.deepEqual(await transitionsOf(licence.id), ['issue→active']);
  const after = await subscriptionRow(subscription.licenseArn);
  assert.ok(after?.provisioned_at !== null && after?.landed_at !== null && after?.licence_id === licence.id);
});

test('a buyer who provisions before any notification: the customer identifier is learned from the entitlements, so a later SNS unsubscribe finds the licence', async () => {
  const account = '200000000031';
  const { subscription, token } = subscribe(account, { dimension: 'standard', quantity: 3, days: 365 });
  const agent = new FormAgent(portal.app, portal.config.publicUrl.origin);
  const landed = await agent.post('/marketplace/landing', { 'x-amzn-marketplace-token': token.token }, FROM_AWS);
  assert.equal(landed.status, 200, errorsOn(landed.body).join(' | '));
  await agent.get('/portal/marketplace/link');
  const registered = await agent.post('/portal/marketplace/register', { accountId: account, email: 'first-buyer@example.com', password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD });
  assert.equal(registered.status, 303, errorsOn(registered.body).join(' | '));
  const progress = await agent.get(registered.location ?? '');
  const subscriptionId = /name="subscription" value="([^"]+)"/.exec(progress.body)?.[1] ?? '';
  const provisioned = await agent.post('/portal/marketplace/provision', { subscription: subscriptionId });
  assert.equal(provisioned.location, '/portal/entitlements?notice=marketplace-provisioned');
  assert.equal((await subscriptionRow(subscription.licenseArn))?.customer_identifier, subscription.customerIdentifier);

  await notify(subscription, 'unsubscribe-success');
  assert.deepEqual((await drain()).map((r) => r.outcome), ['processed']);
  const licence = await licenceOf(subscription.licenseArn);
  assert.equal(licence.status, 'expired');
  assert.equal((await subscriptionRow(subscription.licenseArn))?.status, 'unsubscribed');
});

test('SNS lifecycle: entitlement-updated renews and resizes, unsubscribe-pending marks it ending, unsubscribe-success ends the licence', async () => {
  const account = '200000000002';
  const { subscription } = subscribe(account, { dimension: 'standard', quantity: 3, days: 365 });
  await notify(subscription, 'subscribe-success');
  await drain();
  const licence = await licenceOf(subscription.licenseArn);
  assert.deepEqual([licence.plan, licence.seats, licence.status], ['standard', 3, 'active']);

  // A contract renewal with more seats: the message carries nothing, so the terms come from GetEntitlements.
  const renewedUntil = new Date(emulatorClock.now().getTime() + 730 * DAY);
  emulator.state.marketplace.update(subscription, { quantity: 9, expiresAt: renewedUntil });
  const updated = await notify(subscription, 'entitlement-updated');
  assert.deepEqual((await drain()).map((r) => r.outcome), ['processed']);
  const renewed = await licenceOf(subscription.licenseArn);
  assert.equal(renewed.seats, 9);
  assert.ok(sameSecond(renewed.ends_at, renewedUntil));
  assert.match((await notificationRow(idOf(updated))).outcome ?? '', /subscription stays subscribed; licence renew, amend/);

  await notify(subscription, 'unsubscribe-pending');
  await drain();
  assert.equal((await subscriptionRow(subscription.licenseArn))?.status, 'unsubscribe_pending');
  assert.equal((await licenceOf(subscription.licenseArn)).status, 'active', 'still entitled during the final metering hour');

  const ended = await notify(subscription, 'unsubscribe-success');
  await drain();
  assert.equal((await subscriptionRow(subscription.licenseArn))?.status, 'unsubscribed');
  const expired = await licenceOf(subscription.licenseArn);
  assert.equal(expired.status, 'expired');
  assert.ok((expired.ends_at?.getTime() ?? Infinity) <= portal.clock.now().getTime());
  assert.deepEqual(await transitionsOf(licence.id), ['issue→active', 'renew→active', 'amend→active', 'amend→active', 'expire→expired']);
  const transitions = await portal.services.licences.transitionsFor(licence.id);
  assert.ok(transitions.every((t) => t.actor === 'marketplace'));
  assert.match(transitions.at(-1)?.reason ?? '', new RegExp(`unsubscribe-success \\(${idOf(ended)}\\)`));
  assert.equal(await auditCount(account, 'marketplace.notification_processed'), 4, 'one per change');
});

test('EventBridge events drive the same lifecycle, the licence ARN matched with or without "arn:"', async () => {
  const account = '200000000003';
  const { subscription } = subscribe(account, { dimension: 'enterprise', quantity: 2, days: 90 });
  const created = await notify(subscription, 'Purchase Agreement Created - Manufacturer');
  await drain();
  const row = await subscriptionRow(subscription.licenseArn);
  assert.equal(row?.status, 'subscribed');
  assert.equal(row.customer_identifier, null, 'EventBridge names the account and licence, not a customer identifier');
  assert.equal((await notificationRow(idOf(created))).aws_account_id, account);
  const licence = await licenceOf(subscription.licenseArn);
  assert.deepEqual([licence.plan, licence.seats, licence.status], ['enterprise', 2, 'active']);

  emulator.state.marketplace.update(subscription, { quantity: 5 });
  await notify(subscription, 'License Updated - Manufacturer');
  await drain();
  assert.equal((await licenceOf(subscription.licenseArn)).seats, 5);

  // An amendment that brings the end date forward (EventBridge carries no terms: they are read again).
  const earlier = new Date(emulatorClock.now().getTime() + 30 * DAY);
  emulator.state.marketplace.update(subscription, { expiresAt: earlier });
  const amended = await notify(subscription, 'Purchase Agreement Amended - Manufacturer');
  await drain();
  assert.equal((await notificationRow(idOf(amended))).status, 'processed');
  assert.ok(sameSecond((await licenceOf(subscription.licenseArn)).ends_at, earlier));

  // Purchase Agreement Ended as in AWS's example: the licence ARN without its leading "arn:".
  const ended = await notify(subscription, 'Purchase Agreement Ended - Manufacturer');
  const event = JSON.parse(ended.body) as { detail: { license: { arn: string } } };
  event.detail.license.arn = event.detail.license.arn.replace(/^arn:/, '');
  await purgeQueue();
  await sendToQueue(JSON.stringify(event));
  await drain();
  assert.equal((await subscriptionRow(subscription.licenseArn))?.status, 'unsubscribed');
  assert.equal((await licenceOf(subscription.licenseArn)).status, 'expired');
  assert.equal((await notificationRow(idOf(ended))).subscription_id, row.id);

  // License Deprovisioned ends another agreement the same way.
  const second = subscribe('200000000033', { days: 365 }).subscription;
  await notify(second, 'Purchase Agreement Created - Manufacturer');
  await notify(second, 'License Deprovisioned - Manufacturer');
  await drain();
  assert.equal((await subscriptionRow(second.licenseArn))?.status, 'unsubscribed');
  assert.equal((await licenceOf(second.licenseArn)).status, 'expired');

  // An event naming a licence on record for another AWS account changes nothing and is kept as failed.
  const third = subscribe('200000000034').subscription;
  await notify(third, 'Purchase Agreement Created - Manufacturer');
  await drain();
  const hijack = await notify(third, 'Purchase Agreement Ended - Manufacturer');
  const forged = JSON.parse(hijack.body) as { id: string; detail: { acceptor: { accountId: string } } };
  forged.id = `${forged.id}-other`;
  forged.detail.acceptor.accountId = '299999999999';
  await purgeQueue();
  await sendToQueue(JSON.stringify(forged));
  assert.deepEqual((await drain()).map((r) => r.outcome), ['failed']);
  assert.match((await notificationRow(forged.id)).outcome ?? '', /on record for AWS account 200000000034, but the notification is about 299999999999/);
  assert.equal((await subscriptionRow(third.licenseArn))?.status, 'subscribed');
  assert.equal((await licenceOf(third.licenseArn)).status, 'active');
});

test('a notification that writes the licence ARN another way (a region, "license/") finds the subscription by its licence id', async () => {
  const account = '200000000036';
  const { subscription } = subscribe(account);
  await notify(subscription, 'Purchase Agreement Created - Manufacturer');
  await drain();
  const row = await subscriptionRow(subscription.licenseArn);
  assert.ok(row !== undefined);
  const licenceId = subscription.licenseArn.slice(subscription.licenseArn.lastIndexOf(':') + 1);
  assert.equal(row.aws_licence_id, licenceId, 'the database keeps the id that ends the ARN');

  // Only the licence id is the same as the ARN on record: an equality on the whole ARN would miss it.
  const ended = await notify(subscription, 'Purchase Agreement Ended - Manufacturer');
  const event = JSON.parse(ended.body) as { id: string; detail: { license: { arn: string } } };
  event.detail.license.arn = `aws:license-manager:us-east-1:999988887777:license/${licenceId}`;
  await purgeQueue();
  await sendToQueue(JSON.stringify(event));
  assert.deepEqual((await drain()).map((r) => r.outcome), ['processed']);
  assert.equal((await notificationRow(event.id)).subscription_id, row.id);
  assert.equal((await subscriptionRow(subscription.licenseArn))?.status, 'unsubscribed');
  assert.equal((await licenceOf(subscription.licenseArn)).status, 'expired');
  const rows = await db().selectFrom('marketplace_subscriptions').select('id').where('aws_account_id', '=', account).execute();
  assert.deepEqual(rows.map((r) => r.id), [row.id], 'no second subscription for the other spelling');
});

test('subscribe-fail marks a landed subscription failed (no licence), and the buyer cannot provision it', async () => {
  const account = '200000000004';
  // A legacy listing: ResolveCustomer returns the customer identifier that SNS messages use.
  const { subscription, token } = subscribe(account, { legacyListing: true });
  const agent = new FormAgent(portal.app, portal.config.publicUrl.origin);
  assert.equal((await agent.post('/marketplace/landing', { 'x-amzn-marketplace-token': token.token }, FROM_AWS)).status, 200);
  const sent = await notify(subscription, 'subscribe-fail');
  await drain();
  const row = await subscriptionRow(subscription.licenseArn);
  assert.deepEqual([row?.status, row?.licence_id], ['subscribe_failed', null]);
  assert.equal((await notificationRow(idOf(sent))).status_set, 'subscribe_failed');
  assert.equal((await licencesOf(account)).length, 0);

  await agent.get('/portal/marketplace/link');
  const registered = await agent.post('/portal/marketplace/register', { accountId: account, email: 'failed@example.com', password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD });
  assert.equal(registered.status, 303);
  const refused = await agent.post('/portal/marketplace/provision', { subscription: row?.id ?? '' });
  assert.equal(refused.status, 409);
  assert.match(refused.body, /This subscription is not active/);
});

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
