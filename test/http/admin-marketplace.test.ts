/**
 * /admin/marketplace: every role sees the subscriptions (with a link to their licence) and every notification
 * received, filtered by status, type and account, a page at a time, with the raw body escaped on its page;
 * only admins re-process a failed notification (CSRF-protected POST, audited with the admin as actor).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { failedNotification, otherProductAgreementEvent } from '../support/failed-notifications.js';
import type { FormAgent } from '../support/form-agent.js';
import { staffHelpers, type EnrolledStaff } from '../support/staff.js';
import { createTestPortal, issueLicence, type TestPortal } from '../support/test-portal.js';

const PRODUCT = 'ours-product-1';
let portal: TestPortal;
let admin: EnrolledStaff;
let adminAgent: FormAgent;
const h = staffHelpers(() => portal);
before(async () => {
  portal = await createTestPortal({ env: { MARKETPLACE_PRODUCT_CODE: PRODUCT } });
  admin = await h.enrolledStaff('chief@webstream.example', 'admin');
  adminAgent = await h.signedInStaff(admin);
});
after(() => portal.close());

const ADMIN_ACTOR = 'staff:chief@webstream.example';
const db = () => portal.services.db;

const row = (id: string) => db().selectFrom('marketplace_notifications').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

test('read-only and support see subscriptions and notifications but not the re-process form, and get the 403 page posting it', async () => {
  const id = await failedNotification(portal, 'evt-roles', '111122223333');
  for (const role of ['read-only', 'support'] as const) {
    const staff = await h.enrolledStaff(`${role}@webstream.example`, role);
    const agent = await h.signedInStaff(staff);
    const home = await agent.get('/admin/');
    assert.match(home.body, /href="\/admin\/marketplace"/, `${role}: the section is in the navigation`);
    assert.equal((await agent.get('/admin/marketplace')).status, 200);
    const list = await agent.get('/admin/marketplace/notifications');
    assert.equal(list.status, 200);
    assert.match(list.body, /agreement-created/);
    const page = await agent.get(`/admin/marketplace/notifications/${id}`);
    assert.equal(page.status, 200);
    assert.match(page.body, /Gave up after 5 attempts/);
    assert.doesNotMatch(page.body, /\/reprocess"/, `${role}: the form is hidden`);
    const post = await agent.post(`/admin/marketplace/notifications/${id}/reprocess`, {});
    assert.equal(post.status, 403, role);
    assert.match(post.body, /Your role does not allow this/);
  }
  assert.equal((await row(id)).status, 'failed', 'nothing was re-processed');
});

test('an admin re-processes a failed notification: it is processed from its stored body, and audited', async () => {
  const id = await failedNotification(portal, 'evt-admin', '222233334444');
  const page = await adminAgent.get(`/admin/marketplace/notifications/${id}`);
  assert.match(page.body, new RegExp(`action="/admin/marketplace/notifications/${id}/reprocess"`));
  const forged = await adminAgent.post(`/admin/marketplace/notifications/${id}/reprocess`, { _csrf: 'forged' });
  assert.equal(forged.status, 403, 'CSRF');
  assert.equal((await row(id)).status, 'failed');

  await adminAgent.get(`/admin/marketplace/notifications/${id}`);
  const done = await adminAgent.post(`/admin/marketplace/notifications/${id}/reprocess`, {});
  assert.equal(done.status, 303);
  assert.equal(done.location, `/admin/marketplace/notifications/${id}?notice=notification-reprocessed`);
  const stored = await row(id);
  assert.equal(stored.status, 'ignored');
  assert.match(stored.outcome ?? '', /For product someone-elses-product/);
  assert.equal(stored.attempts, 2);
  const after = await adminAgent.get(done.location);
  assert.match(after.body, /processed again/);
  assert.match(after.body, /Ignored/);
  assert.doesNotMatch(after.body, /\/reprocess"/, 'no longer failed: nothing to re-process');

  const audit = (await h.staffAudit(ADMIN_ACTOR)).filter((e) => e.event === 'marketplace.notification_reprocessed');
  assert.equal(audit.length, 1);
  assert.deepEqual([audit[0]?.details.notificationId, audit[0]?.details.outcome], [id, 'ignored']);
  const entry = await db().selectFrom('audit_events').select(['aws_account_id']).where('event', '=', 'marketplace.notification_reprocessed').executeTakeFirstOrThrow();
  assert.equal(entry.aws_account_id, '222233334444');

  const again = await adminAgent.post(`/admin/marketplace/notifications/${id}/reprocess`, {});
  assert.equal(again.status, 409, 'only a failed notification is re-processed');
  assert.match(again.body, /Only a failed notification can be processed again/);
});

test('a body that cannot be understood stays failed when re-processed, with its reason', async () => {
  const result = await portal.services.marketplaceNotifications.receive({ source: 'sqs', body: 'not json at all', deliveryId: 'delivery-bad' });
  assert.equal(result.outcome, 'failed');
  const id = result.notificationId;
  await adminAgent.get(`/admin/marketplace/notifications/${id}`);
  const done = await adminAgent.post(`/admin/marketplace/notifications/${id}/reprocess`, {});
  assert.equal(done.status, 303);
  const stored = await row(id);
  assert.equal(stored.status, 'failed');
  assert.equal(stored.outcome, 'The message body is not JSON.');
});

test('the raw body is shown escaped, never as markup', async () => {
  const id = await failedNotification(portal, 'evt-xss', '333344445555', { requestId: '<script>alert(1)</script>' });
  const page = await adminAgent.get(`/admin/marketplace/notifications/${id}`);
  assert.equal(page.status, 200);
  assert.doesNotMatch(page.body, /<script>alert/);
  assert.match(page.body, /&lt;script>alert\(1\)&lt;\/script>/, 'as text: the renderer escapes every <');
  assert.match(page.body, /<pre class="raw-body"/);
});

test('notifications filter by status, type and account (any written form); a bad account ID says so', async () => {
  await failedNotification(portal, 'evt-filter', '444455556666');
  const ok = await portal.services.marketplaceNotifications.receive({ source: 'sqs', body: otherProductAgreementEvent('evt-ok', '444455556666') });
  assert.equal(ok.outcome, 'ignored');

  const byAccount = await adminAgent.get('/admin/marketplace/notifications?account=4444-5555-6666');
  assert.equal(byAccount.status, 200);
  assert.equal((byAccount.body.match(/<tr>/g) ?? []).length, 1 + 2, 'the header and two rows');
  assert.match(byAccount.body, /value="4444-5555-6666"/, 'the filter is kept in the form');

  const failed = await adminAgent.get('/admin/marketplace/notifications?account=444455556666&status=failed');
  assert.equal((failed.body.match(/<tr>/g) ?? []).length, 1 + 1);
  assert.match(failed.body, /Gave up after 5 attempts/);
  const ignored = await adminAgent.get('/admin/marketplace/notifications?account=444455556666&status=ignored&type=agreement-created');
  assert.equal((ignored.body.match(/<tr>/g) ?? []).length, 1 + 1);
  const none = await adminAgent.get('/admin/marketplace/notifications?account=444455556666&type=subscribe-success');
  assert.match(none.body, /No notification matches these filters/);

  const bad = await adminAgent.get('/admin/marketplace/notifications?account=12-34');
  assert.equal(bad.status, 400);
  assert.match(bad.body, /exactly 12 digits/);
});

test('notifications come a page at a time, newest first, the filters kept in the paging links', async () => {
  const now = portal.clock.now();
  const rows = Array.from({ length: 52 }, (_, i) => ({
    message_id: `bulk-${i}`,
    source: 'sqs' as const,
    kind: 'license-updated',
    action: null,
    body: '{}',
    licence_arn: null,
    aws_account_id: '555566667777',
    product_code: PRODUCT,
    customer_identifier: null,
    event_at: now,
    subscription_id: null,
    status_set: null,
    status: 'failed' as const,
    outcome: `bulk ${i}`,
    last_error: null,
    received_at: new Date(now.getTime() - i * 1000),
    processed_at: now,
    updated_at: now,
  }));
  await db().insertInto('marketplace_notifications').values(rows).execute();
  const first = await adminAgent.get('/admin/marketplace/notifications?account=555566667777');
  assert.equal((first.body.match(/<tr>/g) ?? []).length, 1 + 50);
  assert.ok(first.body.indexOf('bulk 0<') < first.body.indexOf('bulk 1<'), 'newest first');
  const next = /href="(\/admin\/marketplace\/notifications\?[^"]*after=[^"]+)" rel="next"/.exec(first.body)?.[1]?.replaceAll('&amp;', '&');
  assert.ok(next !== undefined);
  assert.match(next, /account=555566667777/);
  const second = await adminAgent.get(next);
  assert.equal((second.body.match(/<tr>/g) ?? []).length, 1 + 2);
  assert.match(second.body, /bulk 51</);
  assert.doesNotMatch(second.body, /rel="next"/);
  assert.match(second.body, /Newest/);
});

test('subscriptions show their status and link to their licence', async () => {
  const licence = await issueLicence(portal, '666677778888');
  const now = portal.clock.now();
  await db()
    .insertInto('marketplace_subscriptions')
    .values({ licence_arn: 'arn:aws:license-manager::666677778888:license:l-sub1', aws_account_id: '666677778888', product_code: PRODUCT, customer_identifier: null, status: 'unsubscribe_pending', licence_id: licence.id, linked_account_id: null, linked_at: null, landed_at: now, provisioned_at: now, created_at: now, updated_at: now })
    .execute();
  const page = await adminAgent.get('/admin/marketplace');
  assert.equal(page.status, 200);
  assert.match(page.body, /6666-7777-8888/);
  assert.match(page.body, /Unsubscribe pending/);
  assert.match(page.body, new RegExp(`href="/admin/licences/${licence.id}"`));
});

test('signed out, the section sends to sign-in', async () => {
  const agent = h.agentFor();
  const page = await agent.get('/admin/marketplace/notifications');
  assert.equal(page.status, 303);
  assert.match(page.location ?? '', /^\/admin\/sign-in\?next=/);
});
