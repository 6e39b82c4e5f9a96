/**
 * Two portal processes (real `serve` processes from source) on one PostgreSQL, both polling the same
 * Marketplace notification queue on the local AWS emulator: every notification is applied exactly once,
 * duplicates included.
 *
 *   TEST_DATABASE_URL=… node --import tsx --test test/processes/two-portals-one-queue.test.ts
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../../src/db/schema.js';
import { startEmulator, type Emulator } from '../../src/emulator/emulator.server.js';
import { createScratchDatabase } from '../support/resources.js';
import { serveProcesses } from '../support/serve-process.js';

const SUBSCRIPTIONS = 6;

let emulator: Emulator;
let databaseUrl: string;
let dropDatabase: () => Promise<void>;
let db: Kysely<Database>;
const portals = serveProcesses({ databaseUrl: () => databaseUrl, env: () => emulator.portalEnv, tmpPrefix: 'wsp-two-portals-' });

before(async () => {
  const database = await createScratchDatabase('wsp_two');
  databaseUrl = database.url;
  dropDatabase = database.drop;
  emulator = await startEmulator({ httpsPort: false, notifications: 'none' });
  db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl, max: 2 }) }) });
});

after(async () => {
  await portals.cleanUp();
  await db.destroy();
  await emulator.stop();
  await dropDatabase();
});

void test('two portal processes polling one queue apply every notification exactly once, duplicates included', { timeout: 120_000 }, async () => {
  // The first portal migrates the database; the second starts once it is up.
  const first = await portals.start();
  const second = await portals.start();

  const sqs = new SQSClient({ endpoint: emulator.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const licenceArns: string[] = [];
  try {
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      const { subscription } = emulator.state.marketplace.create({ awsAccountId: `40000000000${i}`, dimension: 'standard', quantity: 2 + i, expiresAt: new Date(Date.now() + 365 * 86_400_000), legacyListing: false });
      licenceArns.push(subscription.licenseArn);
      const sent = await emulator.state.notifier.send(subscription, 'subscribe-success');
      // SQS delivers at least once: the same message again.
      await sqs.send(new SendMessageCommand({ QueueUrl: emulator.queueUrl, MessageBody: sent.body }));
    }
  } finally {
    sqs.destroy();
  }

  const deadline = Date.now() + 60_000;
  for (;;) {
    const processed = await db.selectFrom('marketplace_notifications').select((eb) => eb.fn.countAll<string>().as('n')).where('status', '=', 'processed').executeTakeFirstOrThrow();
    if (Number(processed.n) === SUBSCRIPTIONS) break;
    if (Date.now() > deadline) throw new Error(`only ${processed.n} of ${SUBSCRIPTIONS} notifications were processed:\n${first.output()}\n${second.output()}`);
    await sleep(250);
  }
  // Every copy settles and leaves the queue (a copy that met the other process mid-work comes back shortly).
  const queueDeadline = Date.now() + 45_000;
  const queueDepth = () => {
    const attributes = emulator.state.queues.attributesOf(emulator.state.queues.byUrl(emulator.queueUrl));
    return Number(attributes.ApproximateNumberOfMessages) + Number(attributes.ApproximateNumberOfMessagesNotVisible);
  };
  while (queueDepth() > 0) {
    if (Date.now() > queueDeadline) throw new Error(`${queueDepth()} message(s) still on the queue:\n${first.output()}\n${second.output()}`);
    await sleep(250);
  }

  const notifications = await db.selectFrom('marketplace_notifications').select(['message_id', 'status']).execute();
  assert.equal(notifications.length, SUBSCRIPTIONS, 'one row per message id');
  const subscriptions = await db.selectFrom('marketplace_subscriptions').select(['licence_arn', 'licence_id', 'status']).execute();
  assert.deepEqual(subscriptions.map((s) => s.licence_arn).sort(), [...licenceArns].sort());
  const licences = await db.selectFrom('licences').select(['id', 'status', 'source']).execute();
  assert.equal(licences.length, SUBSCRIPTIONS, 'one licence per subscription');
  const transitions = await db.selectFrom('licence_transitions').select(['licence_id']).execute();
  assert.equal(transitions.length, SUBSCRIPTIONS, 'each licence issued once');

  const exits = await Promise.all([first, second].map((p) => p.stop()));
  assert.deepEqual(exits, [0, 0], `${first.output()}\n${second.output()}`);
});
