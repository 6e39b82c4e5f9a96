/**
 * /admin/licences: the list (filters, requests, keyset paging), the licence page, and every staff change to a
 * licence: each one needs a reason, goes through the lifecycle (its refusals shown on the form), and is
 * recorded as a transition and an audit entry with the staff member as actor. Read-only sees but changes
 * nothing; support does everything but revoke and deactivate; admins do all; forged forms are refused.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { formatAccountId } from '../../src/core/account-id.js';
import { errorsOn, type FormAgent } from '../support/form-agent.js';
import { activate, newAccountId, newInstance } from '../support/licence-api.js';
import { staffHelpers } from '../support/staff.js';
import { createTestPortal, issueLicence, type TestPortal } from '../support/test-portal.js';

let portal: TestPortal;
let admin: FormAgent;
let support: FormAgent;
let readOnly: FormAgent;
const h = staffHelpers(() => portal);
const ADMIN = 'staff:chief@webstream.example';
const SUPPORT = 'staff:helper@webstream.example';

before(async () => {
  portal = await createTestPortal();
  admin = await h.signedInStaff(await h.enrolledStaff('chief@webstream.example', 'admin'));
  support = await h.signedInStaff(await h.enrolledStaff('helper@webstream.example', 'support'));
  readOnly = await h.signedInStaff(await h.enrolledStaff('viewer@webstream.example', 'read-only'));
});
after(() => portal.close());

const DAY = 86_400_000;
const lastTransition = async (licenceId: string) => (await portal.services.licences.transitionsFor(licenceId)).at(-1);
const lastAudit = async (licenceId: string) =>
  portal.services.db.selectFrom('audit_events').selectAll().where('event', '=', 'licence.transition').where((eb) => eb(eb.ref('details', '->>').key('licenceId'), '=', licenceId)).orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
const statusOf = async (id: string) => (await portal.services.licences.find(id))?.status;

async function requestedLicence(account = newAccountId(), note = 'For the Frankfurt studio') {
  const licence = await portal.services.licences.create({ awsAccountId: account, plan: 'pro', seats: 3, source: 'direct', endsAt: null }, 'request', { actor: 'test', reason: 'fixture' });
  await portal.services.db.updateTable('licences').set({ request_note: note, requested_by_instance: 'i-0abc1234def567890' }).where('id', '=', licence.id).execute();
  return licence;
}

/** Posts a change from the licence page (so the CSRF token is the page's). */
async function act(agent: FormAgent, licenceId: string, path: string, fields: Record<string, string>) {
  await agent.get(`/admin/licences/${licenceId}`);
  return agent.post(`/admin/licences/${licenceId}/${path}`, fields);
}

async function assertRecorded(licenceId: string, action: string, from: string, to: string, actor: string, reason: string) {
  const t = await lastTransition(licenceId);
  assert.deepEqual({ action: t?.action, from: t?.from_status, to: t?.to_status, actor: t?.actor, reason: t?.reason }, { action, from, to, actor, reason });
  const entry = await lastAudit(licenceId);
  assert.equal(entry.actor, actor);
  assert.equal(entry.reason, reason);
  assert.equal((entry.details).action, action);
  assert.equal(entry.ip, '127.0.0.1');
}

test('the list shows account (formatted, linked), plan, seats in use, status, source and end; filters narrow it', async () => {
  const account = newAccountId();
  const licence = await issueLicence(portal, account, { plan: 'filterplan', seats: 4, days: 10 });
  const instance = newInstance(account);
  assert.equal((await activate(portal, instance)).status, 201);
  const other = await issueLicence(portal, newAccountId(), { plan: 'filterplan', days: 300 });

  const page = await readOnly.get('/admin/licences?plan=filterplan');
  assert.equal(page.status, 200);
  assert.match(page.body, new RegExp(`href="/admin/customers/${account}">${formatAccountId(account)}</a>`));
  assert.match(page.body, /1 of 4/);
  assert.match(page.body, new RegExp(`href="/admin/licences/${licence.id}"`));
  assert.match(page.body, new RegExp(`href="/admin/licences/${other.id}"`));
  assert.match(page.body, /<th scope="col">Seats in use<\/th>/);

  const ending = await readOnly.get('/admin/licences?plan=filterplan&ending=30');
  assert.match(ending.body, new RegExp(licence.id));
  assert.doesNotMatch(ending.body, new RegExp(other.id), 'ends in 300 days: not within 30');

  await portal.services.licences.transition(other.id, { action: 'suspend' }, { actor: 'test', reason: 'fixture' });
  const suspended = await readOnly.get('/admin/licences?plan=filterplan&status=suspended');
  assert.match(suspended.body, new RegExp(other.id));
  assert.doesNotMatch(suspended.body, new RegExp(licence.id));

  const bySource = await readOnly.get('/admin/licences?plan=filterplan&source=marketplace');
  assert.match(bySource.body, /No licence matches these filters/);
  assert.doesNotMatch(bySource.body, /Issue a licence/, 'read-only is not offered to issue');
});

test('the Requests tab shows pending requests with their note and requesting instance', async () => {
  const request = await requestedLicence(newAccountId(), 'Need 3 seats for <render> farm');
  const page = await support.get('/admin/licences?view=requests');
  assert.equal(page.status, 200);
  assert.match(page.body, new RegExp(request.id.slice(0, 8)));
  assert.match(page.body, /Need 3 seats for &lt;render(&gt;|>) farm/, 'the note, escaped');
  assert.match(page.body, /i-0abc1234def567890/);
  assert.match(page.body, /aria-current="page"[^>]*>\s*Requests/);
});

test('keyset paging: 50 a page, a next link, no row twice or missed', async () => {
  const ids = new Set<string>();
  for (let i = 0; i < 55; i += 1) {
    portal.clock.advance(1000);
    ids.add((await issueLicence(portal, newAccountId(), { plan: 'pagingplan' })).id);
  }
  const first = await readOnly.get('/admin/licences?plan=pagingplan');
  const next = /href="(\/admin\/licences\?plan=pagingplan&amp;after=[^"]+)" rel="next"/.exec(first.body)?.[1]?.replace(/&amp;/g, '&');
  assert.ok(next !== undefined, 'a next-page link');
  const second = await readOnly.get(next);
  assert.doesNotMatch(second.body, /rel="next"/);
  assert.match(second.body, /← Newest/);
  const seen = (body: string) => [...body.matchAll(/href="\/admin\/licences\/([0-9a-f-]{36})"/g)].map((m) => m[1] ?? '');
  const all = [...seen(first.body), ...seen(second.body)];
  assert.equal(seen(first.body).length, 50);
  assert.equal(all.length, 55);
  assert.deepEqual(new Set(all), ids);
  assert.equal((await readOnly.get('/admin/licences?after=garbage')).status, 200, 'a forged cursor starts from the newest');
});

test('the licence page shows terms, history and activations; an admin deactivates with a reason, outside the owners’ limit', async () => {
  const account = newAccountId();
  const licence = await issueLicence(portal, account, { seats: 3 });
  const instances = [newInstance(account), newInstance(account), newInstance(account)];
  const ids: string[] = [];
  for (const instance of instances) ids.push(String((await activate(portal, instance)).body.activation?.id));
  const [first = '', second = '', third = ''] = ids;
  const page = await admin.get(`/admin/licences/${licence.id}`);
  assert.equal(page.status, 200);
  assert.match(page.body, /3 in use of 3/);
  assert.match(page.body, new RegExp(instances[0]?.instanceId ?? '-'));
  assert.match(page.body, /eu-west-1/);
  assert.match(page.body, /Alive/);
  assert.match(page.body, /test fixture/, 'the history shows the issue and its reason');
  const supportPage = await support.get(`/admin/licences/${licence.id}`);
  assert.doesNotMatch(supportPage.body, /\/deactivate"/, 'support is not offered deactivation');
  assert.doesNotMatch(supportPage.body, /\/revoke"/, 'nor revocation');

  // An activation named under another licence's address is not found there, and stays.
  const other = await issueLicence(portal, newAccountId());
  await admin.get(`/admin/licences/${other.id}`);
  assert.equal((await admin.post(`/admin/licences/${other.id}/activations/${first}/deactivate`, { reason: 'Wrong licence' })).status, 404);
  assert.equal((await portal.services.db.selectFrom('activations').select('ended_at').where('id', '=', first).executeTakeFirstOrThrow()).ended_at, null);

  await admin.get(`/admin/licences/${licence.id}`);
  const missing = await admin.post(`/admin/licences/${licence.id}/activations/${first}/deactivate`, { reason: '  ' });
  assert.equal(missing.status, 400);
  assert.match(errorsOn(missing.body).join(' '), /Give a reason/);

  // One deactivation a day for owners and instances; staff are outside it and do not use it up.
  await portal.services.settings.setLicenceApi({ deactivationsPerDay: 1 }, portal.clock.now());
  try {
    const done = await admin.post(`/admin/licences/${licence.id}/activations/${first}/deactivate`, { reason: 'Host lost in a fire' });
    assert.equal(done.status, 303, errorsOn(done.body).join(' | '));
    assert.equal(done.location, `/admin/licences/${licence.id}?notice=instance-deactivated`);
    await portal.services.activations.deactivate(second, { owner: account });
    await assert.rejects(portal.services.activations.deactivate(third, { owner: account }), /deactivations in 24 hours/);
    await admin.get(`/admin/licences/${licence.id}`);
    assert.equal((await admin.post(`/admin/licences/${licence.id}/activations/${third}/deactivate`, { reason: 'Customer asked by phone' })).status, 303);
  } finally {
    await portal.services.settings.setLicenceApi({ deactivationsPerDay: 5 }, portal.clock.now());
  }
  const row = await portal.services.db.selectFrom('activations').selectAll().where('id', '=', first).executeTakeFirstOrThrow();
  assert.equal(row.ended_reason, 'deactivated_by_staff');
  const entry = await portal.services.db.selectFrom('audit_events').selectAll().where('event', '=', 'activation.deactivated').where('actor', '=', ADMIN).where('aws_account_id', '=', account).orderBy('id').executeTakeFirstOrThrow();
  assert.equal(entry.reason, 'Host lost in a fire');
  assert.equal((entry.details).activationId, first);
  await admin.get(`/admin/licences/${licence.id}`);
  const again = await admin.post(`/admin/licences/${licence.id}/activations/${first}/deactivate`, { reason: 'twice' });
  assert.equal(again.status, 409);
  assert.match(again.body, /already ended/);
  assert.match((await admin.get(`/admin/licences/${licence.id}`)).body, /Deactivated by staff/);
});

test('support approves and rejects requests with a reason, each a transition and an audit entry', async () => {
  const approved = await requestedLicence();
  const response = await act(support, approved.id, 'approve', { reason: 'Customer confirmed the PO' });
  assert.equal(response.status, 303, errorsOn(response.body).join(' | '));
  assert.equal(response.location, `/admin/licences/${approved.id}?notice=licence-approve`);
  assert.equal(await statusOf(approved.id), 'active');
  await assertRecorded(approved.id, 'approve', 'requested', 'active', SUPPORT, 'Customer confirmed the PO');

  const rejected = await requestedLicence();
  assert.equal((await act(support, rejected.id, 'reject', { reason: 'Unknown company' })).status, 303);
  assert.equal(await statusOf(rejected.id), 'revoked');
  await assertRecorded(rejected.id, 'reject', 'requested', 'revoked', SUPPORT, 'Unknown company');
});

test('support suspends, reinstates, renews and amends seats; illegal transitions show the lifecycle’s message', async () => {
  const licence = await issueLicence(portal, newAccountId(), { seats: 2, days: 20 });
  assert.equal((await act(support, licence.id, 'suspend', { reason: 'Unpaid invoice' })).status, 303);
  await assertRecorded(licence.id, 'suspend', 'active', 'suspended', SUPPORT, 'Unpaid invoice');

  const twice = await act(support, licence.id, 'suspend', { reason: 'Again' });
  assert.equal(twice.status, 409);
  assert.match(twice.body, /Only an active licence can be suspended; this one is suspended\./);
  const approveActive = await act(support, licence.id, 'approve', { reason: 'Oops' });
  assert.equal(approveActive.status, 409);
  assert.match(approveActive.body, /Only a requested licence can be approved; this one is suspended\./);

  assert.equal((await act(support, licence.id, 'reinstate', { reason: 'Invoice paid' })).status, 303);
  await assertRecorded(licence.id, 'reinstate', 'suspended', 'active', SUPPORT, 'Invoice paid');

  const newEnd = new Date(portal.clock.now().getTime() + 400 * DAY).toISOString().slice(0, 10);
  assert.equal((await act(support, licence.id, 'renew', { endsOn: newEnd, reason: 'Renewed for a year' })).status, 303);
  await assertRecorded(licence.id, 'renew', 'active', 'active', SUPPORT, 'Renewed for a year');
  assert.equal((await portal.services.licences.find(licence.id))?.ends_at?.toISOString(), `${newEnd}T23:59:59.000Z`);
  const earlier = await act(support, licence.id, 'renew', { endsOn: new Date(portal.clock.now().getTime() + 100 * DAY).toISOString().slice(0, 10), reason: 'Shorter' });
  assert.equal(earlier.status, 409);
  assert.match(earlier.body, /The new end date must be later than the current one\./);
  const badDate = await act(support, licence.id, 'renew', { endsOn: '2027-02-30', reason: 'Renewal with a typo' });
  assert.equal(badDate.status, 400);
  assert.match(errorsOn(badDate.body).join(' '), /YYYY-MM-DD/);

  assert.equal((await act(support, licence.id, 'amend', { seats: '7', reason: 'Bought 5 more' })).status, 303);
  await assertRecorded(licence.id, 'amend', 'active', 'active', SUPPORT, 'Bought 5 more');
  assert.equal((await portal.services.licences.find(licence.id))?.seats, 7);
  const zero = await act(support, licence.id, 'amend', { seats: '0', reason: 'Seats mistyped' });
  assert.equal(zero.status, 400);
  assert.match(errorsOn(zero.body).join(' '), /whole number of seats/);
});

test('every action refuses a missing or too short reason (the rule customer actions follow) and changes nothing', async () => {
  const licence = await issueLicence(portal, newAccountId());
  for (const [path, fields] of [['suspend', {}], ['renew', { endsOn: '2099-01-01' }], ['amend', { seats: '9' }], ['revoke', {}]] as const) {
    for (const reason of ['', '  ', 'ok']) {
      const response = await act(admin, licence.id, path, { ...fields, reason });
      assert.equal(response.status, 400, `${path} ${JSON.stringify(reason)}`);
      assert.match(errorsOn(response.body).join(' '), /Give a reason of at least 3 characters/, path);
    }
  }
  const request = await requestedLicence();
  for (const path of ['approve', 'reject']) assert.equal((await act(admin, request.id, path, {})).status, 400, path);
  assert.equal(await statusOf(licence.id), 'active');
  assert.equal(await statusOf(request.id), 'requested');
  assert.equal((await portal.services.licences.transitionsFor(licence.id)).length, 1);
});

test('staff issue a licence with account, plan, seats, start and end; bad input re-renders the form', async () => {
  const account = newAccountId();
  const form = await support.get('/admin/licences/new');
  assert.equal(form.status, 200);
  const bad = await support.post('/admin/licences/new', { awsAccountId: '1234', plan: 'pro', seats: '3', startsOn: '', endsOn: '', reason: 'New customer' });
  assert.equal(bad.status, 400);
  assert.match(errorsOn(bad.body).join(' '), /exactly 12 digits/);
  assert.match(bad.body, /value="pro"/, 'the values are kept');
  const end = new Date(portal.clock.now().getTime() + 365 * DAY).toISOString().slice(0, 10);
  const dashed = formatAccountId(account);
  const issued = await support.post('/admin/licences/new', { awsAccountId: dashed, plan: 'pro', seats: '3', startsOn: '', endsOn: end, reason: 'New customer, PO 4411' });
  assert.equal(issued.status, 303, errorsOn(issued.body).join(' | '));
  const id = /^\/admin\/licences\/([0-9a-f-]{36})\?notice=licence-issued$/.exec(issued.location ?? '')?.[1] ?? '';
  const licence = await portal.services.licences.find(id);
  assert.deepEqual({ account: licence?.aws_account_id, plan: licence?.plan, seats: licence?.seats, status: licence?.status, source: licence?.source }, { account, plan: 'pro', seats: 3, status: 'active', source: 'direct' });
  const t = await lastTransition(id);
  assert.deepEqual({ action: t?.action, actor: t?.actor, reason: t?.reason }, { action: 'issue', actor: SUPPORT, reason: 'New customer, PO 4411' });
  const past = await support.post('/admin/licences/new', { awsAccountId: account, plan: 'pro', seats: '3', startsOn: '', endsOn: '2001-01-01', reason: 'Backdated by mistake' });
  assert.equal(past.status, 409);
  assert.match(past.body, /The end date must be after the start date\./);
});

test('revoking (admin only) goes through a confirmation page naming the licence and the account', async () => {
  const account = newAccountId();
  const licence = await issueLicence(portal, account);
  const page = await admin.get(`/admin/licences/${licence.id}`);
  assert.match(page.body, new RegExp(`href="/admin/licences/${licence.id}/revoke"`));
  const confirm = await admin.get(`/admin/licences/${licence.id}/revoke`);
  assert.equal(confirm.status, 200);
  assert.match(confirm.body, new RegExp(`Revoke licence ${licence.id.slice(0, 8)} of account ${formatAccountId(account)}\\?`));
  assert.equal(await statusOf(licence.id), 'active', 'no change on GET');
  const done = await admin.post(`/admin/licences/${licence.id}/revoke`, { reason: 'Fraudulent account' });
  assert.equal(done.status, 303);
  await assertRecorded(licence.id, 'revoke', 'active', 'revoked', ADMIN, 'Fraudulent account');
  await admin.get(`/admin/licences/${licence.id}/revoke`);
  const again = await admin.post(`/admin/licences/${licence.id}/revoke`, { reason: 'Again' });
  assert.equal(again.status, 409);
  assert.match(again.body, /revocation is final/);
});

test('role boundaries: read-only gets 403 on every action, support on revoke and deactivate', async () => {
  const account = newAccountId();
  const licence = await issueLicence(portal, account);
  const activation = await activate(portal, newInstance(account));
  const activationId = String(activation.body.activation?.id);
  const request = await requestedLicence();
  const view = await readOnly.get(`/admin/licences/${licence.id}`);
  assert.equal(view.status, 200);
  assert.doesNotMatch(view.body, /<form method="post" action="\/admin\/licences/, 'read-only sees no form');
  const posts: [string, Record<string, string>][] = [
    [`/admin/licences/${licence.id}/suspend`, {}],
    [`/admin/licences/${licence.id}/reinstate`, {}],
    [`/admin/licences/${licence.id}/renew`, { endsOn: '2099-01-01' }],
    [`/admin/licences/${licence.id}/amend`, { seats: '9' }],
    [`/admin/licences/${licence.id}/revoke`, {}],
    [`/admin/licences/${licence.id}/activations/${activationId}/deactivate`, {}],
    [`/admin/licences/${request.id}/approve`, {}],
    [`/admin/licences/${request.id}/reject`, {}],
    ['/admin/licences/new', { awsAccountId: account, plan: 'pro', seats: '1' }],
  ];
  for (const [url, fields] of posts) {
    const response = await readOnly.post(url, { ...fields, reason: 'Trying' });
    assert.equal(response.status, 403, `read-only ${url}`);
    assert.match(response.body, /Your role does not allow this/);
  }
  assert.equal((await readOnly.get('/admin/licences/new')).status, 403);
  await support.get(`/admin/licences/${licence.id}`);
  for (const [url] of posts.filter(([u]) => u.endsWith('/revoke') || u.endsWith('/deactivate'))) {
    assert.equal((await support.post(url, { reason: 'Trying' })).status, 403, `support ${url}`);
  }
  assert.equal((await support.get(`/admin/licences/${licence.id}/revoke`)).status, 403);
  assert.equal(await statusOf(licence.id), 'active');
  assert.equal(await statusOf(request.id), 'requested');
  const open = await portal.services.db.selectFrom('activations').select('ended_at').where('id', '=', activationId).executeTakeFirstOrThrow();
  assert.equal(open.ended_at, null);
});

test('forged or cross-site forms are refused; signed out sends to sign-in; unknown licences are 404', async () => {
  const licence = await issueLicence(portal, newAccountId());
  await admin.get(`/admin/licences/${licence.id}`);
  const forged = await admin.post(`/admin/licences/${licence.id}/suspend`, { _csrf: 'forged', reason: 'Forged request' });
  assert.equal(forged.status, 403);
  const crossSite = await admin.post(`/admin/licences/${licence.id}/suspend`, { reason: 'Cross-site request' }, { origin: 'https://evil.example' });
  assert.equal(crossSite.status, 403);
  assert.equal(await statusOf(licence.id), 'active');
  const anon = h.agentFor();
  assert.equal((await anon.get('/admin/licences')).location, '/admin/sign-in?next=%2Fadmin%2Flicences');
  assert.equal((await admin.get('/admin/licences/00000000-0000-4000-8000-000000000000')).status, 404);
  assert.equal((await admin.get('/admin/licences/nope')).status, 400);
});
