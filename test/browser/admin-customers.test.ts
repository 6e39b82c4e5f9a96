/**
 * Browser journey of the admin panel's Customers section: a staff member signs in through the real pages
 * (password, then the code of their authenticator), finds a customer by a dashed AWS account ID and opens
 * the customer page, with the keyboard where a person would use it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserSuite, clickAndWait, staffSignInThroughForm } from '../support/browser.js';
import { staffHelpers, type EnrolledStaff } from '../support/staff.js';
import { GOOD_PASSWORD, issueLicence } from '../support/test-portal.js';

const ACCOUNT = '246813579024';
let staff: EnrolledStaff;

const suite = browserSuite(async (portal) => {
  staff = await staffHelpers(() => portal).enrolledStaff('desk@webstream.example', 'support');
  await issueLicence(portal, ACCOUNT, { plan: 'enterprise', seats: 12 });
  await issueLicence(portal, '246813579999');
  await portal.services.registration.register({ accountId: ACCOUNT, email: 'ops@customer.example', password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD }, { ip: '127.0.0.1', userAgent: 'test fixture' });
});
const { skip } = suite;

void test('a signed-in staff member finds a customer by a dashed account ID and opens the customer page', { skip }, async () => {
  const { context, page, problems } = await suite.open();
  const portal = suite.portal();
  const base = portal.url;
  try {
    await page.goto('/admin/customers');
    assert.match(page.url(), /\/admin\/sign-in\?next=%2Fadmin%2Fcustomers$/);
    await staffSignInThroughForm(page, portal, staff, '/admin/customers');
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Customers');

    const search = page.getByLabel('AWS account ID or email');
    assert.ok(await search.evaluate((el) => el === document.activeElement), 'the search box has the focus');
    await search.fill('2468-1357-9024');
    await clickAndWait(page, page.getByRole('button', { name: 'Search' }));
    assert.equal(page.url(), `${base}/admin/customers?q=2468-1357-9024`);
    assert.match((await page.getByRole('heading', { level: 2, name: /customer matches/ }).textContent()) ?? '', /^1 customer matches/);
    const rows = page.locator('table.customers tbody tr');
    assert.equal(await rows.count(), 1);
    assert.match((await rows.first().textContent()) ?? '', /ops@customer\.example/);

    await clickAndWait(page, page.getByRole('link', { name: 'Open customer 2468-1357-9024' }));
    assert.equal(page.url(), `${base}/admin/customers/${ACCOUNT}`);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'AWS account 2468-1357-9024');
    assert.match((await page.locator('dl.facts').textContent()) ?? '', /ops@customer\.example/);
    const licences = page.getByRole('table', { name: "The AWS account's licences" });
    assert.match((await licences.textContent()) ?? '', /enterprise/);
    assert.equal(await licences.locator('a[href^="/admin/licences/"]').count(), 1);
    assert.ok((await page.getByRole('button', { name: 'Email a password reset link' }).count()) === 1, 'support sees the actions');
    assert.deepEqual(problems.errors, []);
  } finally {
    await context.close();
  }
});
