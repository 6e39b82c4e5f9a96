/**
 * The portal and the local AWS emulator wired for the Marketplace notification tests (DESIGN.md §4 step 6):
 * an emulator with its SNS certificate trusted by a listening portal, the test's own SQS client, the portal's
 * queue worker, and helpers that send, drain and look at what was stored. Call `useNotificationsPortal()`
 * once per file; each file gets its own emulator and portal.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before } from 'node:test';
import { PurgeQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ManualClock } from '../../src/core/clock.js';
import { startEmulator, type Emulator } from '../../src/emulator/emulator.server.js';
import type { Subscription } from '../../src/emulator/marketplace.state.js';
import type { NotificationAction } from '../../src/emulator/notifications.js';
import type { SentNotification } from '../../src/emulator/notifier.js';
import type { NotificationResult } from '../../src/marketplace/notification.service.js';
import { createNotificationQueue } from '../../src/marketplace/aws-clients.js';
import type { NotificationQueue } from '../../src/marketplace/aws.types.js';
import { createQueueWorker, type QueueWorker } from '../../src/marketplace/queue.worker.js';
import { createTestPortal, type TestPortal } from './test-portal.js';

export const DAY = 86_400_000;
/** What AWS's cross-site form post looks like. */
export const FROM_AWS = { origin: 'https://aws.amazon.com', 'sec-fetch-site': 'cross-site' };

export let emulator: Emulator;
export let portal: TestPortal;
let sqs: SQSClient;
export let queue: NotificationQueue;
let worker: QueueWorker;
let caDir: string;
export const emulatorClock = new ManualClock(new Date());
const handled: NotificationResult[] = [];

export function useNotificationsPortal(): void {
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
}

/** Moves both clocks: the portal's (licence dates) and the emulator's (message times, SQS visibility). */
export function advance(ms: number): void {
  emulatorClock.advance(ms);
  portal.clock.advance(ms);
}

export function subscribe(awsAccountId: string, options: { dimension?: string; quantity?: number; days?: number; legacyListing?: boolean } = {}) {
  return emulator.state.marketplace.create({
    awsAccountId,
    dimension: options.dimension ?? 'professional',
    quantity: options.quantity ?? 7,
    expiresAt: new Date(emulatorClock.now().getTime() + (options.days ?? 365) * DAY),
    legacyListing: options.legacyListing ?? false,
  });
}

/** Marketplace sends a notification (SNS envelope or EventBridge event, by action) a second after the last one. */
export async function notify(subscription: Subscription, action: NotificationAction): Promise<SentNotification> {
  advance(1000);
  return emulator.state.notifier.send(subscription, action);
}

export const idOf = (sent: SentNotification | string): string => {
  const body = JSON.parse(typeof sent === 'string' ? sent : sent.body) as { MessageId?: string; id?: string };
  return body.MessageId ?? body.id ?? '';
};

/** Polls until the queue gives nothing more; returns what the worker did with each message. */
export async function drain(): Promise<NotificationResult[]> {
  const start = handled.length;
  for (let round = 0; round < 50; round += 1) {
    if ((await worker.pollOnce()).received === 0) break;
  }
  return handled.slice(start);
}

/** Puts bodies on the queue in this order (as SQS would deliver them out of order, or twice). */
export async function sendToQueue(...bodies: string[]): Promise<void> {
  for (const body of bodies) await sqs.send(new SendMessageCommand({ QueueUrl: emulator.queueUrl, MessageBody: body }));
}

export async function purgeQueue(): Promise<void> {
  await sqs.send(new PurgeQueueCommand({ QueueUrl: emulator.queueUrl }));
}

export function queueDepth(): { visible: number; inFlight: number } {
  const attributes = emulator.state.queues.attributesOf(emulator.state.queues.byUrl(emulator.queueUrl));
  return { visible: Number(attributes.ApproximateNumberOfMessages), inFlight: Number(attributes.ApproximateNumberOfMessagesNotVisible) };
}

export const db = () => portal.services.db;
export const subscriptionRow = (licenceArn: string) => db().selectFrom('marketplace_subscriptions').selectAll().where('licence_arn', '=', licenceArn).executeTakeFirst();
export const notificationRow = (messageId: string) => db().selectFrom('marketplace_notifications').selectAll().where('message_id', '=', messageId).executeTakeFirstOrThrow();
export const licencesOf = (awsAccountId: string) => db().selectFrom('licences').selectAll().where('aws_account_id', '=', awsAccountId).orderBy('created_at').execute();
export async function licenceOf(licenceArn: string) {
  const row = await subscriptionRow(licenceArn);
  assert.ok(row?.licence_id, `no licence for ${licenceArn}`);
  return db().selectFrom('licences').selectAll().where('id', '=', row.licence_id).executeTakeFirstOrThrow();
}
export const transitionsOf = async (licenceId: string) => (await portal.services.licences.transitionsFor(licenceId)).map((t) => `${t.action}→${t.to_status}`);
export const auditCount = async (awsAccountId: string, event: string) =>
  Number((await db().selectFrom('audit_events').select((eb) => eb.fn.countAll().as('n')).where('aws_account_id', '=', awsAccountId).where('event', '=', event).executeTakeFirstOrThrow()).n);
export const notificationCount = async (messageId: string) => Number((await db().selectFrom('marketplace_notifications').select((eb) => eb.fn.countAll().as('n')).where('message_id', '=', messageId).executeTakeFirstOrThrow()).n);
export const sameSecond = (a: Date | null | undefined, b: Date) => Math.floor((a?.getTime() ?? 0) / 1000) === Math.floor(b.getTime() / 1000);
