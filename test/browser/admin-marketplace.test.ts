/**
 * The admin panel's Marketplace section in a real browser: an admin filters the notifications down to the
 * failed ones of a dashed account ID, reads a failed one's raw body and processes it again; a wrong account ID
 * in the filter is announced and focused; a support engineer reads the same pages without the re-process form.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserSuite, clickAndWait, staffSignInThroughForm } from '../support/browser.js';
import { failedNotification, GAVE_UP, otherProductAgreementEvent } from '../support/failed-notifications.js';
import { staffHelpers } from '../support/staff.js';

const ACCOUNT = '111122223333';
let failedId = '';
let otherFailedId = '';

const suite = browserSuite(
  async (portal) => {
    failedId = await failedNotification(portal, 'evt-browser-failed', ACCOUNT);
    const ignored = await portal.services.marketplaceNotifications.receive({ source: 'sqs', body: otherProductAgreementEvent('evt-browser-ignored', ACCOUNT) });
    assert.equal(ignored.outcome, 'ignored');
    otherFailedId = await failedNotification(portal, 'evt-browser-other', '555566667777', { requestId: '<img src=x onerror=alert(1)>' });
  },
  { MARKETPLACE_PRODUCT_CODE: 'ours-product-1' },
);
const { skip } = suite;
const h = staffHelpers(() => suite.portal());

void test('an admin filters to the failed notifications of an account, reads the raw body and processes it again', { skip }, async () => {
  const portal = suite.portal();
  const admin = await h.enrolledStaff('chief.browser@webstream.example', 'admin');
  const { context, page, problems } = await suite.open();
  try {
    await staffSignInThroughForm(page, portal, admin);
    await clickAndWait(page, page.getByRole('navigation', { name: 'Admin panel' }).getByRole('link', { name: 'Marketplace' }));
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Marketplace');
    await clickAndWait(page, page.getByRole('navigation', { name: 'Marketplace' }).getByRole('link', { name: 'Notifications' }));
    assert.equal(await page.getByRole('link', { name: 'Notifications', exact: true }).getAttribute('aria-current'), 'page');
    const rows = page.getByRole('table', { name: 'AWS Marketplace notifications received, newest first' }).locator('tbody tr');
    assert.equal(await rows.count(), 3);

    // A mistyped account ID: the filter says what is wrong, on the field, which has the focus.
    await page.getByLabel('AWS account ID').fill('1111-2222');
    await clickAndWait(page, page.getByRole('button', { name: 'Filter' }));
    assert.equal(await page.getByRole('alert').first().textContent(), 'Please correct the filter.');
    const accountField = page.getByLabel('AWS account ID');
    assert.equal(await accountField.getAttribute('aria-invalid'), 'true');
    assert.ok(await accountField.evaluate((el) => el === document.activeElement), 'the field in error has the focus');
    assert.equal(await accountField.inputValue(), '1111-2222', 'what was typed is kept');

    await accountField.fill('1111-2222-3333');
    await page.getByLabel('Status').selectOption('failed');
    await clickAndWait(page, page.getByRole('button', { name: 'Filter' }));
    const query = new URL(page.url()).searchParams;
    assert.deepEqual([query.get('status'), query.get('account')], ['failed', '1111-2222-3333']);
    assert.equal(await page.getByLabel('Status').inputValue(), 'failed', 'the filter is kept in the form');
    assert.equal(await rows.count(), 1);
    assert.match((await rows.first().textContent()) ?? '', new RegExp(`agreement-created.*1111-2222-3333.*Failed.*${GAVE_UP}`));

    await clickAndWait(page, rows.first().getByRole('link', { name: /^View/ }));
    assert.equal(new URL(page.url()).pathname, `/admin/marketplace/notifications/${failedId}`);
    const body = page.getByLabel('Raw body of the notification');
    assert.equal(await body.getAttribute('tabindex'), '0', 'the raw body scrolls from the keyboard');
    const shown = JSON.parse((await body.textContent()) ?? '') as { id: string; detail: { product: { code: string } } };
    assert.deepEqual([shown.id, shown.detail.product.code], ['evt-browser-failed', 'someone-elses-product']);
    assert.match((await page.locator('dl.facts').textContent()) ?? '', new RegExp(`Failure reason${GAVE_UP}Attempts1`));

    await clickAndWait(page, page.getByRole('button', { name: 'Process this notification again' }));
    assert.match((await page.getByRole('status').textContent()) ?? '', /The notification was processed again/);
    const facts = (await page.locator('dl.facts').textContent()) ?? '';
    assert.match(facts, /StatusIgnored/);
    assert.match(facts, /OutcomeFor product someone-elses-product/);
    assert.match(facts, /Attempts2/);
    assert.equal(await page.getByRole('button', { name: 'Process this notification again' }).count(), 0, 'no longer failed');
    const audit = await portal.services.db.selectFrom('audit_events').select(['actor', 'aws_account_id']).where('event', '=', 'marketplace.notification_reprocessed').execute();
    assert.deepEqual(audit, [{ actor: 'staff:chief.browser@webstream.example', aws_account_id: ACCOUNT }]);

    // Back in the list, the account has no failed notification left; clearing the filters shows all three.
    await clickAndWait(page, page.getByRole('link', { name: '← All notifications' }));
    await page.getByLabel('AWS account ID').fill('111122223333');
    await page.getByLabel('Status').selectOption('failed');
    await clickAndWait(page, page.getByRole('button', { name: 'Filter' }));
    assert.match((await page.locator('.panel.empty').textContent()) ?? '', /No notification matches these filters/);
    await clickAndWait(page, page.getByRole('link', { name: 'Clear the filters' }));
    assert.equal(await rows.count(), 3);
    assert.deepEqual(problems.errors, [], 'no CSP violation or page error');
  } finally {
    await context.close();
  }
});

void test('support reads a failed notification and its raw body, as text, with no re-process form', { skip }, async () => {
  const portal = suite.portal();
  const support = await h.enrolledStaff('desk.browser@webstream.example', 'support');
  const { context, page, problems } = await suite.open();
  try {
    await staffSignInThroughForm(page, portal, support);
    await page.goto(`/admin/marketplace/notifications/${otherFailedId}`);
    assert.match((await page.locator('dl.facts').textContent()) ?? '', /StatusFailed/);
    assert.match((await page.getByLabel('Raw body of the notification').textContent()) ?? '', /"requestId": "<img src=x onerror=alert\(1\)>"/, 'shown as text');
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'never as markup');
    assert.equal(await page.getByRole('button', { name: 'Process this notification again' }).count(), 0);
    assert.equal(await page.getByRole('heading', { name: 'Process it again' }).count(), 0);
    assert.deepEqual(problems.errors, [], 'no CSP violation or page error');
  } finally {
    await context.close();
  }
});
