/**
 * Upgrading a database whose outbox holds plain-text bodies (migration 0008): no plain secret survives the
 * upgrade plus the mailer's start, and a kept email whose secret still lives stays readable through the mailer.
 * Needs a PostgreSQL by URL (TEST_DATABASE_URL): it migrates a scratch database step by step.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Migrator, sql } from 'kysely';
import { systemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/config/logger.js';
import { connectDatabase, migrateToLatest } from '../../src/db/database.js';
import { migrations } from '../../src/db/migrations/index.js';
import { createMailer } from '../../src/mail/mailer.js';
import { createOutboxRepo } from '../../src/mail/outbox.repo.js';
import { createScratchDatabase } from '../support/resources.js';

test('migration 0008 erases sent and week-old plain bodies, and the mailer seals the rest at start', async (t) => {
  const scratch = await createScratchDatabase('wsp_outbox_migration');
  const database = connectDatabase(scratch.url);
  const db = database.db;
  t.after(async () => {
    await database.close();
    await scratch.drop();
  });
  const before = await new Migrator({ db, provider: { getMigrations: () => Promise.resolve(migrations) } }).migrateTo('0007-rate-limit-counters');
  assert.equal(before.error, undefined);
  const rows: [string, string, string][] = [
    ['sent', '1 hour', 'token=SENT-LINK'],
    ['kept', '8 days', 'token=OLD-KEPT-LINK'],
    ['failed', '9 days', 'token=OLD-FAILED-LINK'],
    ['kept', '2 days', 'token=RECENT-KEPT-LINK'],
    ['pending', '1 minute', 'token=RECENT-PENDING-LINK'],
  ];
  for (const [status, age, body] of rows) {
    await sql`insert into mail_outbox (to_address, subject, text_body, created_at, status, next_attempt_at)
      values ('customer@example.com', 'Subject', ${body}, now() - ${age}::interval, ${status}, now())`.execute(db);
  }

  await migrateToLatest(db);
  const plain = await sql<{ body: string }>`select legacy_text_body as body from mail_outbox where legacy_text_body is not null order by id`.execute(db);
  assert.deepEqual(plain.rows.map((r) => r.body), ['token=RECENT-KEPT-LINK', 'token=RECENT-PENDING-LINK']);

  const mailer = createMailer({ db, outbox: createOutboxRepo(db), clock: systemClock, logger: createLogger('silent'), smtpUrl: undefined, mailFrom: 'portal@example.com', logBodies: false, secretKey: 'migration-test-secret-key-of-32-characters' });
  assert.equal(await mailer.sealLegacyBodies(), 2);
  const everything = await sql<{ row: string }>`select row_to_json(t)::text as row from mail_outbox t`.execute(db);
  assert.ok(everything.rows.every((r) => !r.row.includes('LINK')), 'no plain body is left');
  const [, , , recentKept] = await mailer.listMessages().then((list) => list.reverse());
  assert.ok(recentKept);
  assert.equal(recentKept.template, 'unknown');
  assert.equal((await mailer.readMessage(recentKept.id))?.text, 'token=RECENT-KEPT-LINK');
});
