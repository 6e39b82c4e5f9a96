/**
 * Staff journeys on /admin/licences in a real browser: a support engineer signs in through the pages with an
 * authenticator code, suspends a licence with a reason (the customer then sees it suspended on My Entitlements),
 * and approves a pending request.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { registeredAccount } from '../support/accounts.js';
import { browserSuite, clickAndWait, signInThroughForm, staffSignInThroughForm } from '../support/browser.js';
import { staffHelpers } from '../support/staff.js';
import { GOOD_PASSWORD, issueLicence } from '../support/test-portal.js';

const ACCOUNT = '135792468013';
const suite = browserSuite();
const { skip } = suite;
const h = staffHelpers(() => suite.portal());

void test('support suspends a licence with a reason, and the customer sees it suspended on My Entitlements', { skip }, async () => {
  const portal = suite.portal();
  await registeredAccount(portal, ACCOUNT);
  const licence = await issueLicence(portal, ACCOUNT, { plan: 'studio', seats: 4 });
  const staff = await h.enrolledStaff('support.browser@webstream.example', 'support');

  const { context, page, problems } = await suite.open();
  try {
    await staffSignInThroughForm(page, suite.portal(), staff);
    await clickAndWait(page, page.getByRole('navigation', { name: 'Admin panel' }).getByRole('link', { name: 'Licences' }));
    const row = page.getByRole('table', { name: 'Licences, newest first' }).locator('tbody tr').filter({ hasText: '1357-9246-8013' });
    await clickAndWait(page, row.getByRole('link', { name: licence.id.slice(0, 8) }));
    assert.equal(new URL(page.url()).pathname, `/admin/licences/${licence.id}`);

    // The reason is required in the browser too (the server refuses a missing one: test/http/admin-licences.test.ts).
    assert.equal(await page.locator('#suspend-reason').getAttribute('required'), '');
    await page.locator('#suspend-reason').fill('Invoice 2024-118 unpaid for 60 days');
    await clickAndWait(page, page.getByRole('button', { name: 'Suspend the licence' }));
    assert.match((await page.getByRole('status').textContent()) ?? '', /The licence was suspended/);
    assert.match((await page.getByRole('table', { name: 'Every change to the licence, oldest first' }).textContent()) ?? '', /suspend.*active → suspended.*staff:support\.browser@webstream\.example.*Invoice 2024-118 unpaid for 60 days/);
  } finally {
    await context.close();
  }

  const customer = await suite.open();
  try {
    await signInThroughForm(customer.page, ACCOUNT, GOOD_PASSWORD);
    assert.equal(new URL(customer.page.url()).pathname, '/portal/entitlements');
    assert.match((await customer.page.locator('table.licences tbody tr').filter({ hasText: 'studio' }).textContent()) ?? '', /Suspended/);
    assert.deepEqual([...problems.errors, ...customer.problems.errors], []);
  } finally {
    await customer.context.close();
  }
});

void test('support approves a pending request from the Requests tab', { skip }, async () => {
  const portal = suite.portal();
  const request = await portal.services.licences.create({ awsAccountId: '975318642097', plan: 'pro', seats: 2, source: 'direct', endsAt: null }, 'request', { actor: 'instance:i-0123456789abcdef0', reason: 'Requested through the API' });
  await portal.services.db.updateTable('licences').set({ request_note: 'Render farm in eu-west-1', requested_by_instance: 'i-0123456789abcdef0' }).where('id', '=', request.id).execute();
  const staff = await h.enrolledStaff('approver.browser@webstream.example', 'support');

  const { context, page, problems } = await suite.open();
  try {
    await staffSignInThroughForm(page, suite.portal(), staff);
    await page.goto('/admin/licences');
    await clickAndWait(page, page.getByRole('link', { name: /Requests/ }));
    const table = page.getByRole('table', { name: 'Licence requests waiting for a decision, newest first' });
    const row = table.locator('tbody tr').filter({ hasText: 'Render farm in eu-west-1' });
    assert.match((await row.textContent()) ?? '', /i-0123456789abcdef0/);
    await clickAndWait(page, row.getByRole('link', { name: request.id.slice(0, 8) }));
    await page.locator('#approve-reason').fill('Customer confirmed by email');
    await clickAndWait(page, page.getByRole('button', { name: 'Approve the request' }));
    assert.match((await page.getByRole('status').textContent()) ?? '', /approved/);
    assert.equal((await portal.services.licences.find(request.id))?.status, 'active');
    const entry = await portal.services.db.selectFrom('audit_events').selectAll().where('event', '=', 'licence.transition').where('actor', '=', 'staff:approver.browser@webstream.example').executeTakeFirstOrThrow();
    assert.equal(entry.reason, 'Customer confirmed by email');
    assert.deepEqual(problems.errors, []);
  } finally {
    await context.close();
  }
});
