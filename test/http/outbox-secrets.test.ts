/** The outbox's sealed bodies: bound to SECRET_KEY and to their row, and never sent once their secret expired. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { sql } from 'kysely';
import { createLogger } from '../../src/config/logger.js';
import { createMailer } from '../../src/mail/mailer.js';
import { createOutboxRepo } from '../../src/mail/outbox.repo.js';
import { createTestPortal, type TestPortal } from '../support/test-portal.js';

const portals: TestPortal[] = [];
after(() => Promise.all(portals.map((p) => p.close())));

/** Another mailer on the portal's database, as another portal process configured differently would be. */
function otherMailer(portal: TestPortal, options: { secretKey?: string; smtpUrl?: string } = {}) {
  return createMailer({
    db: portal.services.db,
    outbox: createOutboxRepo(portal.services.db),
    clock: portal.clock,
    logger: createLogger('silent'),
    smtpUrl: options.smtpUrl,
    mailFrom: portal.config.mailFrom,
    logBodies: false,
    secretKey: options.secretKey ?? portal.services.secretKey,
  });
}

const RESET = { to: 'someone@example.com', subject: 'Reset', text: 'https://portal.example/portal/reset-password?token=SECRET-TOKEN-0123456789', template: 'password_reset' };

test('a sealed body does not open under another SECRET_KEY, nor on another recipient’s row', async () => {
  const portal = await createTestPortal({ env: { SMTP_URL: '' } });
  portals.push(portal);
  const mailer = portal.services.mailer;
  await mailer.enqueue({ ...RESET, secretExpiresAt: new Date(portal.clock.now().getTime() + 60_000) });
  await mailer.enqueue({ ...RESET, to: 'attacker@example.com', text: 'nothing secret' });
  const [theirs, mine] = await mailer.listMessages();
  assert.ok(theirs !== undefined && mine !== undefined);
  assert.equal((await mailer.readMessage(mine.id))?.text, RESET.text);

  await assert.rejects(otherMailer(portal, { secretKey: 'another-secret-key-with-at-least-32-characters' }).readMessage(mine.id), /sealed under another SECRET_KEY/);

  // Copying the sealed body onto a row addressed to someone else does not make it readable there.
  await sql`update mail_outbox set body_sealed = (select body_sealed from mail_outbox where id = ${mine.id}) where id = ${theirs.id}`.execute(portal.services.db);
  await assert.rejects(mailer.readMessage(theirs.id), /does not open/);
});

test('a message whose secret expired while SMTP was down is never sent: its body is erased and it fails for good', async () => {
  const portal = await createTestPortal({ env: { SMTP_URL: 'smtp://127.0.0.1:9' } });
  portals.push(portal);
  const mailer = portal.services.mailer;
  await mailer.enqueue({ ...RESET, secretExpiresAt: new Date(portal.clock.now().getTime() + 45 * 60_000) });
  await mailer.enqueue({ to: 'someone@example.com', subject: 'Changed', text: 'Your password was changed.', template: 'password_changed' });
  await mailer.deliverPending();
  assert.deepEqual((await mailer.listMessages()).map((m) => [m.status, m.attempts]), [['pending', 1], ['pending', 1]]);

  portal.clock.advance(46 * 60_000);
  // SMTP is back (another process reaching the test inbox): only the message without an expired secret goes out.
  assert.equal(await otherMailer(portal, { smtpUrl: portal.inbox.url }).deliverPending(), 1);
  assert.deepEqual(portal.inbox.messages.map((m) => m.subject), ['Changed']);
  assert.deepEqual(await mailer.purgeExpired(), { bodiesErased: 1, rowsDeleted: 0 });
  const [changed, reset] = await mailer.listMessages();
  assert.deepEqual([changed?.status, changed?.hasBody], ['sent', false]);
  assert.deepEqual([reset?.status, reset?.hasBody, reset?.template], ['failed', false, 'password_reset']);
  assert.match(reset?.lastError ?? '', /expired before it could be delivered/);
});

test('bodies left in plain text from before the upgrade are sealed by the mailer before it reads anything', async () => {
  const portal = await createTestPortal({ env: { SMTP_URL: '' } });
  portals.push(portal);
  await portal.services.mailer.enqueue({ ...RESET, text: 'placeholder' });
  // What migration 0008 leaves for a recent kept row: its old plain body, nothing sealed.
  await sql`update mail_outbox set body_sealed = null, legacy_text_body = ${RESET.text}, template = 'unknown'`.execute(portal.services.db);

  const fresh = otherMailer(portal);
  const [row] = await fresh.listMessages();
  assert.ok(row);
  const stored = await portal.services.db.selectFrom('mail_outbox').select(['legacy_text_body', 'body_sealed', 'secret_expires_at']).executeTakeFirstOrThrow();
  assert.equal(stored.legacy_text_body, null);
  assert.ok(stored.body_sealed !== null && !stored.body_sealed.includes('SECRET-TOKEN'));
  // With no expiry recorded, the longest lifetime of any emailed secret (7 days) applies.
  assert.equal(stored.secret_expires_at?.getTime(), row.createdAt.getTime() + 7 * 86_400_000);
  assert.equal((await fresh.readMessage(row.id))?.text, RESET.text);
});
