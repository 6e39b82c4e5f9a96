/**
 * /admin/customers: search by account ID in any written form or part of an email, paging, the customer page,
 * and the customer actions, each audited with the staff member as actor (and the reason where one is asked);
 * read-only sees everything but changes nothing, support does every customer action; a disabled customer
 * cannot sign in and is signed out at once; changes without the CSRF token are refused.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { registeredAccount, signIn } from '../support/accounts.js';
import { errorsOn, type FormAgent } from '../support/form-agent.js';
import { mfaHelpers } from '../support/mfa.js';
import { staffHelpers } from '../support/staff.js';
import { createTestPortal, GOOD_PASSWORD, issueLicence, type TestPortal } from '../support/test-portal.js';

let portal: TestPortal;
let support: FormAgent;
let readOnly: FormAgent;
const h = staffHelpers(() => portal);
const mfa = mfaHelpers(() => portal);
const SUPPORT_ACTOR = 'staff:helper@webstream.example';
const SIGN_IN_FAILED = 'The AWS account ID or password is incorrect.';

before(async () => {
  portal = await createTestPortal();
  support = await h.signedInStaff(await h.enrolledStaff('helper@webstream.example', 'support'));
  readOnly = await h.signedInStaff(await h.enrolledStaff('viewer@webstream.example', 'read-only'));
  await registeredAccount(portal, '111122223333', 'Alice.Jones@Example.com');
  await registeredAccount(portal, '111122224444', 'bob@example.com');
  for (let i = 0; i < 30; i++) await issueLicence(portal, `5555000000${String(i).padStart(2, '0')}`);
});
after(() => portal.close());

const auditOf = (event: string, awsAccountId: string) =>
  portal.services.db.selectFrom('audit_events').select(['actor', 'reason', 'details']).where('event', '=', event).where('aws_account_id', '=', awsAccountId).orderBy('id', 'desc').executeTakeFirst();
const accountRow = (awsAccountId: string) => portal.services.db.selectFrom('portal_accounts').selectAll().where('aws_account_id', '=', awsAccountId).executeTakeFirstOrThrow();
const sessionsOf = async (awsAccountId: string) => (await portal.services.sessions.listForAccount((await accountRow(awsAccountId)).id)).length;
const resultIds = (body: string) => [...body.matchAll(/href="\/admin\/customers\/(\d{12})"/g)].map((m) => m[1]);

test('search finds a customer by its account ID in any written form, by its first digits, or by part of the email', async () => {
  for (const q of ['1111-2222-3333', '1111 2222 3333', '111122223333', ' 1111-2222-3333 ']) {
    const page = await readOnly.get(`/admin/customers?q=${encodeURIComponent(q)}`);
    assert.equal(page.status, 200, q);
    assert.deepEqual(resultIds(page.body), ['111122223333'], q);
    assert.match(page.body, /1 customer matches/);
    assert.match(page.body, /1111-2222-3333/);
  }
  assert.deepEqual(resultIds((await readOnly.get('/admin/customers?q=1111-2222')).body), ['111122223333', '111122224444'], 'a prefix matches');
  const byEmail = await readOnly.get('/admin/customers?q=ALICE.jo');
  assert.deepEqual(resultIds(byEmail.body), ['111122223333'], 'part of the email, whatever the case');
  assert.match(byEmail.body, /Alice\.Jones@Example\.com/);
  const wildcards = await readOnly.get('/admin/customers?q=%25_');
  assert.equal(wildcards.status, 200);
  assert.deepEqual(resultIds(wildcards.body), [], '% and _ match themselves, not everything');

  const none = await readOnly.get('/admin/customers?q=nobody%40nowhere');
  assert.equal(none.status, 200);
  assert.match(none.body, /No customer matches “nobody@nowhere”/);
  const tooLong = await readOnly.get('/admin/customers?q=1234-5678-9012-3');
  assert.equal(tooLong.status, 400);
  assert.match(errorsOn(tooLong.body).join(' '), /12 digits; this one has 13/);
  assert.match(tooLong.body, /aria-invalid="true"/);
  const empty = await readOnly.get('/admin/customers');
  assert.equal(empty.status, 200);
  assert.match(empty.body, /<label for="customer-q">AWS account ID or email<\/label>/);
  assert.match(empty.body, /href="\/admin\/customers"[^>]*aria-current="page"|aria-current="page"[^>]*>Customers/, 'Customers is in the navigation');
});

test('results come 25 a page with the total count, a next link and a way back to the first page', async () => {
  const first = await readOnly.get('/admin/customers?q=5555');
  assert.equal(first.status, 200);
  assert.match(first.body, /30 customers match/);
  const ids = resultIds(first.body);
  assert.equal(ids.length, 25);
  assert.equal(ids[0], '555500000000');
  const next = /href="(\/admin\/customers\?q=5555&amp;after=\d{12})"/.exec(first.body)?.[1];
  assert.ok(next !== undefined, 'a next page link');
  const second = await readOnly.get(next.replace(/&amp;/g, '&'));
  assert.deepEqual(resultIds(second.body), ['555500000025', '555500000026', '555500000027', '555500000028', '555500000029']);
  assert.match(second.body, /First page/);
  assert.doesNotMatch(second.body, /Next page/);
  assert.match(second.body, /None yet/, 'licence-only accounts show they have no portal account');
});

test('the customer page shows the account, its sessions, licences, subscriptions, activations and audit trail', async () => {
  const redirect = await readOnly.get('/admin/customers/1111-2222-3333');
  assert.equal(redirect.status, 301);
  assert.equal(redirect.location, '/admin/customers/111122223333');
  const page = await readOnly.get('/admin/customers/111122223333');
  assert.equal(page.status, 200);
  assert.match(page.body, /Alice\.Jones@Example\.com/);
  assert.match(page.body, /Not verified/);
  assert.match(page.body, /<dt>MFA<\/dt>\s*<dd>Off<\/dd>/);
  assert.match(page.body, /Active sessions <span class="hint">\(1\)<\/span>/);
  const licence = (await portal.services.licences.listForAccount('111122223333'))[0];
  assert.ok(licence !== undefined);
  assert.match(page.body, new RegExp(`href="/admin/licences/${licence.id}"`));
  assert.match(page.body, /No AWS Marketplace subscription\./);
  assert.match(page.body, /No instance is activated\./);
  assert.match(page.body, /account\.registered/);
  assert.match(page.body, /<th scope="col">Last seen<\/th>/);
  assert.equal((await readOnly.get('/admin/customers/999999999999')).status, 404);
  assert.equal((await readOnly.get('/admin/customers/not-an-id')).status, 404);
});

test('read-only sees the customer page without any action, and gets the 403 page for every action', async () => {
  const page = await readOnly.get('/admin/customers/111122223333');
  assert.doesNotMatch(page.body, /action="\/admin\/customers\/\d+\//, 'no action forms');
  assert.doesNotMatch(page.body, /href="\/admin\/customers\/\d+\/(disable|reset-mfa)"/);
  for (const url of ['/admin/customers/111122223333/disable', '/admin/customers/111122223333/reset-mfa']) assert.equal((await readOnly.get(url)).status, 403, `GET ${url}`);
  const posts: [string, Record<string, string>][] = [
    ['/admin/customers/555500000001/create-account', { email: 'x@example.com' }],
    ['/admin/customers/111122223333/send-reset', {}],
    ['/admin/customers/111122223333/end-sessions', {}],
    ['/admin/customers/111122223333/reset-mfa', { reason: 'Ticket 42' }],
    ['/admin/customers/111122223333/disable', { reason: 'Ticket 42' }],
    ['/admin/customers/111122223333/enable', {}],
  ];
  for (const [url, fields] of posts) {
    const response = await readOnly.post(url, fields);
    assert.equal(response.status, 403, `POST ${url}`);
    assert.match(response.body, /Your role does not allow this/);
  }
  assert.equal(await sessionsOf('111122223333'), 1);
  assert.equal((await accountRow('111122223333')).disabled_at, null);
});

test('support creates a portal account: the one-time password goes to the customer only, and it is audited', async () => {
  const page = await support.get('/admin/customers/555500000003');
  assert.match(page.body, /Create a portal account/);
  const bad = await support.post('/admin/customers/555500000003/create-account', { email: 'not-an-email' });
  assert.equal(bad.status, 400);
  const created = await support.post('/admin/customers/555500000003/create-account', { email: 'carol@example.com' });
  assert.equal(created.status, 303, errorsOn(created.body).join(' | '));
  assert.equal(created.location, '/admin/customers/555500000003?notice=customer-account-created');
  const shown = await support.get(created.location);
  assert.match(shown.body, /The one-time password was emailed to the customer/);
  const mail = await mfa.takeMail('carol@example.com', /./);
  const password = /password[^:]*:\s*(\S+)/i.exec(mail.text)?.[1];
  assert.ok(password !== undefined, mail.text);
  assert.ok(!shown.body.includes(password), 'staff never see the one-time password');
  assert.equal((await auditOf('account.created_by_staff', '555500000003'))?.actor, SUPPORT_ACTOR);
  const again = await support.post('/admin/customers/555500000003/create-account', { email: 'carol@example.com' });
  assert.equal(again.status, 409);
  assert.match(errorsOn(again.body).join(' '), /already exists/);
});

test('support sends a password reset, audited, and the customer receives the link', async () => {
  await support.get('/admin/customers/111122224444');
  const sent = await support.post('/admin/customers/111122224444/send-reset', {});
  assert.equal(sent.status, 303);
  assert.equal(sent.location, '/admin/customers/111122224444?notice=customer-reset-sent');
  const mail = await mfa.takeMail('bob@example.com', /reset/i);
  assert.match(mail.text, /\/portal\/reset-password\?token=/);
  assert.equal((await auditOf('password_reset.sent_by_staff', '111122224444'))?.actor, SUPPORT_ACTOR);
  const tooSoon = await support.post('/admin/customers/111122224444/send-reset', {});
  assert.equal(tooSoon.status, 429);
  assert.match(errorsOn(tooSoon.body).join(' '), /less than a minute ago/);
});

test('support ends all sessions of a customer, audited', async () => {
  const { agent } = await signIn(portal, '111122224444', GOOD_PASSWORD);
  assert.equal((await agent.get('/portal/entitlements')).status, 200);
  await support.get('/admin/customers/111122224444');
  const ended = await support.post('/admin/customers/111122224444/end-sessions', {});
  assert.equal(ended.status, 303);
  assert.equal(await sessionsOf('111122224444'), 0);
  assert.equal((await agent.get('/portal/entitlements')).status, 303, 'the customer is signed out');
  const entry = await auditOf('session.ended_by_staff', '111122224444');
  assert.equal(entry?.actor, SUPPORT_ACTOR);
  assert.ok((entry.details.sessions as number) >= 1);
});

test('support resets MFA with a reason: MFA is off, the customer is signed out and told, the reason is audited', async () => {
  const customer = await registeredAccount(portal, '777700000001', 'dora@example.com');
  await mfa.enableTotp(customer);
  assert.equal((await accountRow('777700000001')).mfa_method, 'totp');
  const confirm = await support.get('/admin/customers/777700000001/reset-mfa');
  assert.equal(confirm.status, 200);
  assert.match(confirm.body, /Reset MFA of 7777-0000-0001/);
  assert.match(confirm.body, /<label for="reset-mfa-reason">Reason<\/label>/);
  const noReason = await support.post('/admin/customers/777700000001/reset-mfa', { reason: ' x ' });
  assert.equal(noReason.status, 400);
  assert.match(errorsOn(noReason.body).join(' '), /at least 3 characters/);
  assert.equal((await support.post('/admin/customers/777700000001/reset-mfa', { reason: 'y'.repeat(501) })).status, 400);
  assert.equal((await accountRow('777700000001')).mfa_method, 'totp', 'nothing changed without a good reason');
  const reset = await support.post('/admin/customers/777700000001/reset-mfa', { reason: 'Lost phone, ticket 981' });
  assert.equal(reset.status, 303);
  assert.equal((await accountRow('777700000001')).mfa_method, null);
  assert.equal((await customer.get('/portal/entitlements')).status, 303, 'signed out');
  const entry = await auditOf('mfa.reset_by_staff', '777700000001');
  assert.equal(entry?.actor, SUPPORT_ACTOR);
  assert.equal(entry.reason, 'Lost phone, ticket 981');
  await mfa.takeMail('dora@example.com', /MFA was turned off/);
  assert.equal((await support.post('/admin/customers/777700000001/reset-mfa', { reason: 'Again please' })).status, 409);
});

test('a disabled customer is signed out at once and cannot sign in (the generic failure); licences stay; re-enabling restores sign-in', async () => {
  const customer = await registeredAccount(portal, '888800000001', 'erin@example.com');
  const licencesBefore = await portal.services.licences.listForAccount('888800000001');
  assert.equal((await customer.get('/portal/entitlements')).status, 200);
  const confirm = await support.get('/admin/customers/8888-0000-0001/disable');
  assert.equal(confirm.status, 200);
  assert.match(confirm.body, /Disable the portal account of 8888-0000-0001/);
  assert.match(confirm.body, /erin@example\.com/);
  assert.equal((await support.post('/admin/customers/888800000001/disable', { reason: '' })).status, 400);
  const disabled = await support.post('/admin/customers/888800000001/disable', { reason: 'Chargeback, ticket 77' });
  assert.equal(disabled.status, 303);
  assert.equal(disabled.location, '/admin/customers/888800000001?notice=customer-disabled');
  assert.equal((await customer.get('/portal/entitlements')).status, 303, 'the session ended');
  assert.equal(await sessionsOf('888800000001'), 0);
  const refused = await signIn(portal, '888800000001', GOOD_PASSWORD);
  assert.equal(refused.response.status, 401);
  assert.deepEqual(errorsOn(refused.response.body).slice(0, 1), [SIGN_IN_FAILED], 'the same message as a wrong password');
  const entry = await auditOf('account.disabled', '888800000001');
  assert.equal(entry?.actor, SUPPORT_ACTOR);
  assert.equal(entry.reason, 'Chargeback, ticket 77');
  assert.deepEqual(await portal.services.licences.listForAccount('888800000001'), licencesBefore, 'licences untouched');
  const page = await support.get('/admin/customers/888800000001');
  assert.match(page.body, /Disabled since/);
  assert.match(page.body, /Chargeback, ticket 77/, 'the audit trail shows the reason');
  assert.equal((await support.post('/admin/customers/888800000001/disable', { reason: 'Twice over' })).status, 409);

  const enabled = await support.post('/admin/customers/888800000001/enable', {});
  assert.equal(enabled.status, 303);
  assert.equal((await auditOf('account.enabled', '888800000001'))?.actor, SUPPORT_ACTOR);
  assert.equal((await signIn(portal, '888800000001', GOOD_PASSWORD)).response.status, 303);
});

test('a disabled account part-way through a second sign-in step cannot finish it', async () => {
  const customer = await registeredAccount(portal, '888800000002', 'fay@example.com');
  const { secret } = await mfa.enableTotp(customer);
  const halfway = await mfa.challenged('888800000002');
  await portal.services.customerAccounts.disable('888800000002', { actor: 'test', ip: null, reason: 'test' });
  const done = await mfa.verify(halfway, mfa.nextTotp(secret));
  assert.ok(done.status !== 303 || done.location !== '/portal/entitlements', `${done.status} ${done.location}`);
  assert.equal(await sessionsOf('888800000002'), 0);
});

test('customer actions without the CSRF token, or from another origin, are refused', async () => {
  await support.get('/admin/customers/111122223333');
  const forged = await support.post('/admin/customers/111122223333/end-sessions', { _csrf: 'forged' });
  assert.equal(forged.status, 403);
  const crossSite = await support.post('/admin/customers/111122223333/disable', { reason: 'Cross-site try' }, { origin: 'https://evil.example' });
  assert.equal(crossSite.status, 403);
  assert.equal(await sessionsOf('111122223333'), 1);
  assert.equal((await accountRow('111122223333')).disabled_at, null);
});

test('signed out, the customer pages send to sign-in', async () => {
  const agent = h.agentFor();
  const page = await agent.get('/admin/customers?q=1111');
  assert.equal(page.status, 303);
  assert.match(page.location ?? '', /^\/admin\/sign-in\?next=/);
});

test('session resolution itself refuses a disabled account, even while its session rows still exist', async () => {
  const customer = await registeredAccount(portal, '888800000003', 'gus@example.com');
  const row = await accountRow('888800000003');
  assert.equal(await portal.services.accounts.setDisabled(row.id, portal.clock.now()), true);
  assert.equal(await sessionsOf('888800000003'), 1, 'the session row is still there');
  assert.equal((await customer.get('/portal/entitlements')).status, 303, 'but it opens nothing');
  assert.equal(await portal.services.accounts.setDisabled(row.id, null), true);
  assert.equal((await customer.get('/portal/entitlements')).status, 303, 'the browser refused meanwhile stays signed out once re-enabled');
});
