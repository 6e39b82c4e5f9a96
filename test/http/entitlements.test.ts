import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { registeredAccount, signIn } from '../support/accounts.js';
import { createTestPortal, GOOD_PASSWORD, issueLicence, type TestPortal } from '../support/test-portal.js';

let portal: TestPortal;
before(async () => {
  portal = await createTestPortal();
});
after(() => portal.close());

const rows = (body: string) => [...body.matchAll(/<tr>(.*?)<\/tr>/g)].slice(1).map((m) => [...(m[1] ?? '').matchAll(/<td[^>]*>(?:<span[^>]*>)?([^<]*)/g)].map((c) => c[1]));

test("My Entitlements lists the account's licences with plan, status, seats, dates and source", async () => {
  const agent = await registeredAccount(portal, '888800000001');
  await issueLicence(portal, '888800000001', { plan: 'enterprise', seats: 25, days: 10 });
  const requested = await portal.services.licences.create({ awsAccountId: '888800000001', plan: 'trial', seats: 1, source: 'trial', endsAt: null }, 'request', { actor: 'test', reason: 'instance request' });
  const suspended = await issueLicence(portal, '888800000001', { plan: 'suspended-plan', seats: 2 });
  await portal.services.licences.transition(suspended.id, { action: 'suspend' }, { actor: 'test', reason: 'unpaid' });
  await issueLicence(portal, '888800000099', { plan: 'someone-else' });

  const page = await agent.get('/portal/entitlements');
  assert.equal(page.status, 200);
  const table = rows(page.body);
  assert.equal(table.length, 4, JSON.stringify(table));
  const byPlan = new Map(table.map((r) => [r[0], r]));
  assert.deepEqual(byPlan.get('enterprise')?.slice(1, 3), ['Expiring', '0 / 25']);
  assert.deepEqual(byPlan.get('trial')?.slice(1, 3), ['Pending', '0 / 1']);
  assert.equal(byPlan.get('trial')?.[5], 'Trial');
  assert.equal(byPlan.get('suspended-plan')?.[1], 'Suspended');
  assert.equal(byPlan.get('standard')?.[4], 'No end date');
  assert.equal(byPlan.get('standard')?.[5], 'Direct');
  assert.ok(!byPlan.has('someone-else'), "another account's licences never show");
  assert.ok(requested.id);
});

test("the navigation marks the page's own link as the current one", async () => {
  const agent = await registeredAccount(portal, '888800000077');
  const entitlements = await agent.get('/portal/entitlements?notice=welcome');
  assert.match(entitlements.body, /<nav class="topnav" aria-label="Account"><a href="\/portal\/entitlements" aria-current="page">My Entitlements<\/a><a href="\/portal\/settings">Settings<\/a>/);
  const settings = await agent.get('/portal/settings');
  assert.match(settings.body, /<a href="\/portal\/entitlements">My Entitlements<\/a><a href="\/portal\/settings" aria-current="page">Settings<\/a>/);
});

test('an expired licence shows as expired once its end date passes', async () => {
  await registeredAccount(portal, '888800000002');
  await portal.services.db.deleteFrom('licences').where('aws_account_id', '=', '888800000002').execute();
  await issueLicence(portal, '888800000002', { plan: 'short', days: 1 });
  portal.clock.advance(2 * 86_400_000);
  const { agent } = await signIn(portal, '888800000002', GOOD_PASSWORD);
  const page = await agent.get('/portal/entitlements');
  assert.equal(page.status, 200);
  assert.equal(rows(page.body)[0]?.[1], 'Expired');
});

test('the expiry sweep moves licences past their end date to expired through the lifecycle, once, and leaves the others', async () => {
  const account = '888800000012';
  const ending = await issueLicence(portal, account, { plan: 'ending', days: 1 });
  const suspended = await issueLicence(portal, account, { plan: 'paused', days: 1 });
  await portal.services.licences.transition(suspended.id, { action: 'suspend' }, { actor: 'test', reason: 'test' });
  const later = await issueLicence(portal, account, { plan: 'later', days: 30 });
  const open = await issueLicence(portal, account, { plan: 'open' });
  const revoked = await issueLicence(portal, account, { plan: 'gone', days: 1 });
  await portal.services.licences.transition(revoked.id, { action: 'revoke' }, { actor: 'test', reason: 'test' });

  portal.clock.advance(2 * 86_400_000);
  assert.ok((await portal.services.licences.expireDue()) >= 2);
  const status = async (id: string) => (await portal.services.db.selectFrom('licences').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
  assert.deepEqual(await Promise.all([ending, suspended, later, open, revoked].map((l) => status(l.id))), ['expired', 'expired', 'active', 'active', 'revoked']);
  const last = (await portal.services.licences.transitionsFor(ending.id)).at(-1);
  assert.deepEqual([last?.action, last?.from_status, last?.to_status, last?.actor], ['expire', 'active', 'expired', 'system']);
  // Nothing left to do: a second sweep changes nothing.
  const before = (await portal.services.licences.transitionsFor(ending.id)).length;
  await portal.services.licences.expireDue();
  assert.equal((await portal.services.licences.transitionsFor(ending.id)).length, before);
});

test('the empty state says what to do next', async () => {
  const agent = await registeredAccount(portal, '888800000003');
  await portal.services.db.deleteFrom('licences').where('aws_account_id', '=', '888800000003').execute();
  const page = await agent.get('/portal/entitlements');
  assert.equal(page.status, 200);
  assert.match(page.body, /No licences yet/);
  assert.match(page.body, /Subscribe to WebStream on AWS Marketplace/);
});

test('every licence transition is recorded with actor, reason and time', async () => {
  const licence = await issueLicence(portal, '888800000004');
  await portal.services.licences.transition(licence.id, { action: 'suspend' }, { actor: 'staff:alice', reason: 'payment overdue' });
  await portal.services.licences.transition(licence.id, { action: 'reinstate' }, { actor: 'staff:alice', reason: 'paid' });
  await assert.rejects(portal.services.licences.transition(licence.id, { action: 'reinstate' }, { actor: 'staff:alice', reason: 'twice' }), /Only a suspended licence can be reinstated/);
  const history = await portal.services.licences.transitionsFor(licence.id);
  assert.deepEqual(
    history.map((h) => [h.action, h.from_status, h.to_status, h.actor, h.reason]),
    [
      ['issue', null, 'active', 'test', 'test fixture'],
      ['suspend', 'active', 'suspended', 'staff:alice', 'payment overdue'],
      ['reinstate', 'suspended', 'active', 'staff:alice', 'paid'],
    ],
  );
  assert.ok(history.every((h) => h.at instanceof Date));
});

test('the page is never stale: a licence change shows at once, whoever makes it', async () => {
  const agent = await registeredAccount(portal, '888800000005');
  const statusOf = async (plan: string) => rows((await agent.get('/portal/entitlements')).body).find((r) => r[0] === plan)?.[1];
  assert.equal(await statusOf('standard'), 'Active');
  await agent.get('/portal/entitlements'); // served from the rendered-list cache now

  // Through the service (as the CLI and the admin panel do)…
  const extra = await issueLicence(portal, '888800000005', { plan: 'addon' });
  assert.equal(await statusOf('addon'), 'Active');
  await portal.services.licences.transition(extra.id, { action: 'suspend' }, { actor: 'test', reason: 'test' });
  assert.equal(await statusOf('addon'), 'Suspended');

  // …or by another process writing straight to the shared database (the trigger bumps the version).
  await portal.services.db.updateTable('licences').set({ status: 'revoked' }).where('id', '=', extra.id).execute();
  assert.equal(await statusOf('addon'), 'Revoked');
  await portal.services.db.deleteFrom('licences').where('id', '=', extra.id).execute();
  assert.equal(await statusOf('addon'), undefined);
});

test('a displayed status that changes with time alone is not served stale from the cache', async () => {
  await registeredAccount(portal, '888800000006');
  await portal.services.db.deleteFrom('licences').where('aws_account_id', '=', '888800000006').execute();
  await issueLicence(portal, '888800000006', { plan: 'timed', days: 31 });
  await portal.services.settings.setSessionDuration(90 * 86_400, portal.clock.now());
  try {
    const { agent } = await signIn(portal, '888800000006', GOOD_PASSWORD);
    const status = async () => rows((await agent.get('/portal/entitlements')).body)[0]?.[1];
    assert.equal(await status(), 'Active');
    assert.equal(await status(), 'Active');
    portal.clock.advance(2 * 86_400_000);
    assert.equal(await status(), 'Expiring');
    portal.clock.advance(30 * 86_400_000);
    assert.equal(await status(), 'Expired');
  } finally {
    await portal.services.settings.setSessionDuration(8 * 3600, portal.clock.now());
  }
});
