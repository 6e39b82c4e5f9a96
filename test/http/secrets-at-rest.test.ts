/**
 * No live secret (reset or verification link, emailed MFA code, one-time password, staff invitation link) is readable in the
 * database: every row of every table is searched for the secrets the portal just emailed. With SMTP they come
 * from the delivered emails; with no SMTP server they stay readable only through the mailer (sealed at rest)
 * until they expire.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { sql } from 'kysely';
import type { Db } from '../../src/db/database.js';
import { registeredAccount } from '../support/accounts.js';
import { GOOD_PASSWORD, createTestPortal, issueLicence, type TestPortal } from '../support/test-portal.js';

const portals: TestPortal[] = [];
after(() => Promise.all(portals.map((p) => p.close())));

/** Every row of every table in the public schema, one JSON text per row. */
async function everyRow(db: Db): Promise<string[]> {
  const tables = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(db);
  assert.ok(tables.rows.some((t) => t.name === 'mail_outbox'));
  const rows: string[] = [];
  for (const { name } of tables.rows) {
    const result = await sql<{ row: string }>`select row_to_json(t)::text as row from ${sql.table(name)} t`.execute(db);
    rows.push(...result.rows.map((r) => `${name}: ${r.row}`));
  }
  return rows;
}

async function assertNowhereInTheDatabase(portal: TestPortal, secrets: string[]): Promise<void> {
  const rows = await everyRow(portal.services.db);
  for (const secret of secrets) {
    // Digits-only codes are matched as whole numbers, so a 12-digit account ID cannot contain one by chance.
    const pattern = /^\d+$/.test(secret) ? new RegExp(`(?<!\\d)${secret}(?!\\d)`) : undefined;
    const found = rows.filter((row) => (pattern === undefined ? row.includes(secret) : pattern.test(row)));
    assert.deepEqual(found, [], `the secret ${secret} is readable in the database`);
  }
}

/** The secrets in an email body: link tokens, a 6-digit code, a one-time password. */
function secretsIn(text: string): string[] {
  return [...text.matchAll(/token=([A-Za-z0-9_-]{20,})/g), ...text.matchAll(/^\s*(\d{6})\s*$/gm), ...text.matchAll(/One-time password: (\S+)/g)].map((m) => m[1] ?? '');
}

/** Sends one email of each kind that carries a secret, through the pages where there is one. */
async function sendEverySecret(portal: TestPortal, prefix: string): Promise<void> {
  const agent = await registeredAccount(portal, `${prefix}00000001`, `${prefix}-welcome@example.com`); // welcome: verification link
  await agent.get('/portal/settings');
  assert.equal((await agent.post('/portal/settings/email', { newEmail: `${prefix}-new@example.com`, emailPassword: GOOD_PASSWORD })).status, 303); // verification link
  await agent.get('/portal/settings');
  assert.equal((await agent.post('/portal/settings/mfa/email/start', {})).status, 200); // emailed MFA code
  await agent.get('/portal/forgot-password');
  assert.equal((await agent.post('/portal/forgot-password', { accountId: `${prefix}00000001` })).status, 303); // reset link
  await issueLicence(portal, `${prefix}00000002`);
  await portal.services.accountProvisioning.createWithOneTimePassword({ awsAccountId: `${prefix}00000002`, email: `${prefix}-otp@example.com` }, { actor: 'test' }); // one-time password
  await portal.services.admin.staff.invite({ email: `${prefix}-staff@example.com`, role: 'support' }, { actor: 'test' }); // staff invitation link
}

const SECRET_TEMPLATES = ['welcome', 'email_change_verification', 'mfa_email_code', 'password_reset', 'one_time_password', 'staff_invitation'];

test('delivered by SMTP: no secret from the delivered emails is left anywhere in the database, and only envelopes stay', async () => {
  const portal = await createTestPortal();
  portals.push(portal);
  await sendEverySecret(portal, '4101');
  await portal.deliverMail();

  const secrets = portal.inbox.messages.flatMap((m) => secretsIn(m.text));
  const byTemplate = await portal.services.mailer.listMessages();
  assert.deepEqual(new Set(byTemplate.filter((m) => m.secretExpiresAt !== null).map((m) => m.template)), new Set(SECRET_TEMPLATES));
  // 2 tokens in the welcome's and the email change's links, 1 reset token, 1 code, 1 one-time password, 1 staff invitation token.
  assert.equal(secrets.length, 6, portal.inbox.messages.map((m) => m.text).join('\n---\n'));
  await assertNowhereInTheDatabase(portal, secrets);

  // Delivered: the body is erased, recipient, subject, template, status and times stay for the record.
  const rows = await portal.services.db.selectFrom('mail_outbox').selectAll().execute();
  assert.equal(rows.length, portal.inbox.messages.length);
  for (const row of rows) {
    assert.equal(row.status, 'sent');
    assert.equal(row.body_sealed, null);
    assert.ok(row.sent_at !== null && row.to_address !== '' && row.subject !== '' && row.template !== '');
  }
  const reset = byTemplate.find((m) => m.template === 'password_reset');
  assert.ok(reset);
  assert.equal(reset.secretExpiresAt?.getTime(), reset.createdAt.getTime() + 45 * 60_000);
  assert.equal((await portal.services.mailer.readMessage(reset.id))?.text, undefined);
});

test('kept in the outbox (no SMTP): sealed at rest, readable through the mailer while the secret lives, erased after', async () => {
  const portal = await createTestPortal({ env: { SMTP_URL: '' } });
  portals.push(portal);
  await sendEverySecret(portal, '4102');
  const mailer = portal.services.mailer;
  const messages = await mailer.listMessages();
  const read = async (template: string) => {
    const message = messages.find((m) => m.template === template);
    assert.ok(message, template);
    return (await mailer.readMessage(message.id))?.text;
  };

  const secrets: string[] = [];
  for (const template of SECRET_TEMPLATES) secrets.push(...secretsIn((await read(template)) ?? ''));
  assert.equal(secrets.length, 6);
  await assertNowhereInTheDatabase(portal, secrets);

  // Real lifetimes: MFA code 10 minutes, reset link 45 minutes, email change and staff invitation links 24 hours, welcome link and one-time password 7 days.
  const start = portal.clock.now().getTime();
  const readable = async () => {
    const live: string[] = [];
    for (const template of SECRET_TEMPLATES) if ((await read(template)) !== undefined) live.push(template);
    return live;
  };
  portal.clock.set(new Date(start + 9 * 60_000));
  assert.deepEqual(await readable(), SECRET_TEMPLATES);
  portal.clock.set(new Date(start + 11 * 60_000));
  assert.deepEqual(await readable(), ['welcome', 'email_change_verification', 'password_reset', 'one_time_password', 'staff_invitation']);
  portal.clock.set(new Date(start + 46 * 60_000));
  assert.deepEqual(await readable(), ['welcome', 'email_change_verification', 'one_time_password', 'staff_invitation']);
  portal.clock.set(new Date(start + 25 * 3_600_000));
  assert.deepEqual(await readable(), ['welcome', 'one_time_password']);
  assert.deepEqual(await mailer.purgeExpired(), { bodiesErased: 4, rowsDeleted: 0 });
  portal.clock.set(new Date(start + 7 * 86_400_000 + 60_000));
  assert.deepEqual(await readable(), []);

  // The purge erases what expired whatever the status, keeps the envelopes, and keeps bodies without a secret.
  await mailer.purgeExpired();
  const rows = await portal.services.db.selectFrom('mail_outbox').select(['template', 'status', 'body_sealed']).execute();
  for (const row of rows) assert.equal(row.body_sealed === null, SECRET_TEMPLATES.includes(row.template), row.template);
  assert.ok(rows.every((r) => r.status === 'kept'));
  // After the retention period the envelopes go too.
  portal.clock.set(new Date(start + 31 * 86_400_000));
  assert.equal((await mailer.purgeExpired()).rowsDeleted, rows.length);
  assert.deepEqual(await mailer.listMessages(), []);
});
