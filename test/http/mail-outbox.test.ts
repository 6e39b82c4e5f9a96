import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { registeredAccount } from '../support/accounts.js';
import { createTestPortal, type TestPortal } from '../support/test-portal.js';

function logCollector(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, text: () => chunks.join('') };
}

const portals: TestPortal[] = [];
after(() => Promise.all(portals.map((p) => p.close())));

test('without SMTP_URL, emails are kept in the outbox and printed in the development log', async () => {
  const log = logCollector();
  const portal = await createTestPortal({ env: { SMTP_URL: '', LOG_LEVEL: 'info', NODE_ENV: 'development' }, logStream: log.stream });
  portals.push(portal);
  await registeredAccount(portal, '999900000001', 'outbox@example.com');
  const [row, ...others] = await portal.services.mailer.listMessages();
  assert.equal(others.length, 0);
  assert.ok(row);
  assert.equal(row.status, 'kept');
  assert.equal(row.to, 'outbox@example.com');
  assert.equal(row.template, 'welcome');
  // The outbox is the delivery channel here: the (sealed) body reads back through the mailer.
  assert.match((await portal.services.mailer.readMessage(row.id))?.text ?? '', /\/portal\/verify-email\?token=/);
  assert.match(log.text(), /verify-email\?token=[A-Za-z0-9_-]{20,}/, 'a newcomer can follow the link from the log');
});

test('in production without SMTP_URL the log shows the envelope but never the link', async () => {
  const log = logCollector();
  const portal = await createTestPortal({ env: { SMTP_URL: '', LOG_LEVEL: 'info', NODE_ENV: 'production' }, logStream: log.stream });
  portals.push(portal);
  await registeredAccount(portal, '999900000002', 'prod@example.com');
  assert.match(log.text(), /email kept in the outbox/);
  assert.doesNotMatch(log.text(), /token=/);
});

test('an SMTP server that is down: the email stays queued and is retried later, nothing is lost', async () => {
  const portal = await createTestPortal({ env: { SMTP_URL: 'smtp://127.0.0.1:9' } });
  portals.push(portal);
  await registeredAccount(portal, '999900000003', 'retry@example.com');
  await portal.services.mailer.deliverPending();
  const row = await portal.services.db.selectFrom('mail_outbox').selectAll().executeTakeFirstOrThrow();
  assert.equal(row.status, 'pending');
  assert.equal(row.attempts, 1);
  assert.ok(row.next_attempt_at > portal.clock.now(), 'retried after a backoff');
  assert.ok((row.last_error ?? '').length > 0);
});
