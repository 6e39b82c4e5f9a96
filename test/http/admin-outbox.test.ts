/**
 * /admin/outbox (admins only): the emails the portal queued, newest first, a page at a time, and each one's
 * body while it is kept, so staff can help a customer without SMTP. A body whose secret expired, or that was
 * delivered, shows as erased; every view of a body is audited (it holds customers' links).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FormAgent } from '../support/form-agent.js';
import { HOUR, MINUTE, staffHelpers, type EnrolledStaff } from '../support/staff.js';
import { createTestPortal, type TestPortal } from '../support/test-portal.js';

let portal: TestPortal;
let admin: EnrolledStaff;
let adminAgent: FormAgent;
const h = staffHelpers(() => portal);
before(async () => {
  portal = await createTestPortal();
  admin = await h.enrolledStaff('chief@webstream.example', 'admin');
  adminAgent = await h.signedInStaff(admin);
});
after(() => portal.close());

const ADMIN_ACTOR = 'staff:chief@webstream.example';

/** Queues an email (not delivered: the test inbox gets it only when deliverMail is called). */
async function queued(to: string, subject: string, text: string, secretHours?: number): Promise<string> {
  const secretExpiresAt = secretHours === undefined ? undefined : new Date(portal.clock.now().getTime() + secretHours * HOUR);
  await portal.services.mailer.enqueue({ to, subject, text, template: 'test_mail', ...(secretExpiresAt === undefined ? {} : { secretExpiresAt }) });
  const row = await portal.services.db.selectFrom('mail_outbox').select((eb) => eb.cast<string>('id', 'text').as('id')).where('subject', '=', subject).orderBy('id', 'desc').executeTakeFirstOrThrow();
  return row.id;
}

test('read-only and support staff have no outbox: not in their navigation, and the 403 page for its list and its emails', async () => {
  const id = await queued('someone@example.com', 'Roles test', 'a secret link https://portal.example/reset?token=abc', 1);
  for (const role of ['read-only', 'support'] as const) {
    const staff = await h.enrolledStaff(`${role}@webstream.example`, role);
    const agent = await h.signedInStaff(staff);
    const home = await agent.get('/admin/');
    assert.doesNotMatch(home.body, /href="\/admin\/outbox"/, role);
    for (const url of ['/admin/outbox', `/admin/outbox/${id}`]) {
      const page = await agent.get(url);
      assert.equal(page.status, 403, `${role} ${url}`);
      assert.doesNotMatch(page.body, /token=abc/);
    }
  }
  const views = await portal.services.db.selectFrom('audit_events').select('id').where('event', '=', 'outbox.body_viewed').execute();
  assert.equal(views.length, 0);
});

test('an admin reads a kept body; the view is audited and the page is not cached', async () => {
  const id = await queued('customer@example.com', 'Reset your WebStream password', 'Open https://portal.example/reset?token=live-token-1 within 45 minutes. <b>not markup</b>', 1);
  const home = await adminAgent.get('/admin/');
  assert.match(home.body, /href="\/admin\/outbox"/);
  const list = await adminAgent.get('/admin/outbox');
  assert.equal(list.status, 200);
  assert.match(list.body, /customer@example\.com/);
  assert.match(list.body, /Reset your WebStream password/);
  assert.match(list.body, /Waiting to send/);
  assert.match(list.body, new RegExp(`href="/admin/outbox/${id}"`));
  assert.doesNotMatch(list.body, /live-token-1/, 'the list shows no body');
  assert.equal((await h.staffAudit(ADMIN_ACTOR)).filter((e) => e.event === 'outbox.body_viewed').length, 0, 'listing is not reading');

  const page = await adminAgent.get(`/admin/outbox/${id}`);
  assert.equal(page.status, 200);
  assert.match(page.body, /token=live-token-1/);
  assert.match(page.body, /&lt;b>not markup&lt;\/b>/, 'the body is text');
  assert.equal(page.headers['cache-control'], 'no-store');
  const views = (await h.staffAudit(ADMIN_ACTOR)).filter((e) => e.event === 'outbox.body_viewed');
  assert.equal(views.length, 1);
  assert.deepEqual([views[0]?.details.outboxId, views[0]?.details.to], [id, 'customer@example.com']);
});

test('a body whose secret expired, or that was delivered, shows as erased, and its view is not audited as a read', async () => {
  const expiring = await queued('late@example.com', 'Expiring link', 'https://portal.example/verify?token=soon-gone', 10 / 60);
  // Past the secret's 10 minutes, within the staff session's 30 idle ones.
  portal.clock.advance(11 * MINUTE);
  const bodyViews = async () => (await h.staffAudit(ADMIN_ACTOR)).filter((e) => e.event === 'outbox.body_viewed').length;
  const viewsBefore = await bodyViews();
  const page = await adminAgent.get(`/admin/outbox/${expiring}`);
  assert.equal(page.status, 200);
  assert.doesNotMatch(page.body, /soon-gone/);
  assert.match(page.body, /Erased: the link or code in it has expired/);

  const delivered = await queued('done@example.com', 'Delivered mail', 'a body that went out');
  await portal.deliverMail();
  const sent = await adminAgent.get(`/admin/outbox/${delivered}`);
  assert.match(sent.body, /Erased: the email was delivered/);
  assert.match(sent.body, /Sent/);
  assert.equal(await bodyViews(), viewsBefore, 'no body was shown, so none was read');
  const list = await adminAgent.get('/admin/outbox');
  assert.match(list.body, /Details<span class="visually-hidden"> the email “Delivered mail”/, 'no body to read');
});

test('the outbox comes newest first, 50 a page, with paging links; unknown and malformed ids answer 404 and 400', async () => {
  for (let i = 0; i < 51; i++) await queued(`bulk${i}@example.com`, `Bulk ${i}`, 'x');
  const first = await adminAgent.get('/admin/outbox');
  assert.equal((first.body.match(/<tr>/g) ?? []).length, 1 + 50);
  assert.ok(first.body.indexOf('Bulk 50<') < first.body.indexOf('Bulk 49<'), 'newest first');
  const next = /href="(\/admin\/outbox\?after=[^"]+)" rel="next"/.exec(first.body)?.[1];
  assert.ok(next !== undefined);
  const second = await adminAgent.get(next);
  assert.equal(second.status, 200);
  assert.match(second.body, /Bulk 0</);
  assert.doesNotMatch(second.body, /Bulk 1</);
  assert.match(second.body, /href="\/admin\/outbox">← Newest/);
  assert.equal((await adminAgent.get('/admin/outbox/999999999')).status, 404);
  assert.equal((await adminAgent.get('/admin/outbox/abc')).status, 400);
});

test('signed out, the outbox sends to sign-in', async () => {
  const page = await h.agentFor().get('/admin/outbox');
  assert.equal(page.status, 303);
  assert.equal(page.location, '/admin/sign-in?next=%2Fadmin%2Foutbox');
});
