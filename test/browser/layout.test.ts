/**
 * The main pages, the portal's and every admin section's, at desktop and phone widths: the stylesheet loads
 * under the CSP, nothing overflows sideways (on a phone every table becomes one card per row), and nothing
 * goes wrong in the page. Set SCREENSHOT_DIR to keep full-page screenshots.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { adminSectionPages, browserSuite, clickAndWait, staffSignInThroughForm } from '../support/browser.js';
import { failedNotification } from '../support/failed-notifications.js';
import { staffHelpers } from '../support/staff.js';
import { GOOD_PASSWORD, issueLicence } from '../support/test-portal.js';

const ACCOUNT = '424242424242';
const VIEWPORTS = { desktop: { width: 1280, height: 800 }, mobile: { width: 390, height: 844 } } as const;
const screenshotDir = process.env.SCREENSHOT_DIR;

let licenceId = '';
let notificationId = '';
const suite = browserSuite(async (portal) => {
  // Several licences, so the table shows the different statuses.
  await issueLicence(portal, ACCOUNT, { plan: 'enterprise', seats: 250, days: 365 });
  await issueLicence(portal, ACCOUNT, { plan: 'standard', seats: 5, days: 10 });
  const suspended = await issueLicence(portal, ACCOUNT, { plan: 'starter', seats: 1 });
  await portal.services.licences.transition(suspended.id, { action: 'suspend' }, { actor: 'test', reason: 'layout fixture' });
  await portal.services.registration.register({ accountId: ACCOUNT, email: 'a-rather-long-contact-address.for-layout@customer-operations.example.com', password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD }, { ip: '127.0.0.1', userAgent: 'test fixture' });
  licenceId = suspended.id;
  notificationId = await failedNotification(portal, 'evt-layout', ACCOUNT);
}, { MARKETPLACE_PRODUCT_CODE: 'ours-product-1' });
const { skip } = suite;

async function checkPage(page: Page, name: string): Promise<void> {
  // The stylesheet applied (a blocked or missing app.css leaves the skip link in the page flow).
  assert.equal(await page.evaluate<string>("getComputedStyle(document.querySelector('.skip-link')).position"), 'absolute', `${name}: app.css applied`);
  const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
  assert.ok(overflow <= 0, `${name}: the page scrolls sideways by ${overflow}px`);
  if (screenshotDir !== undefined) {
    await fs.mkdir(screenshotDir, { recursive: true });
    await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
  }
}

void test('pages fit and render cleanly at desktop (1280px) and phone (390px) widths', { skip }, async () => {
  const { context, page, problems } = await suite.open();
  try {
    for (const [device, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      await page.goto('/portal/sign-in');
      await checkPage(page, `sign-in-${device}`);

      await page.goto('/portal/register');
      await page.getByLabel('AWS account ID').fill('1234-5678');
      // Passes the browser's own email check, not the portal's (which wants a dot in the domain).
      await page.getByLabel('Contact email').fill('ops@localhost');
      await page.getByLabel('Password', { exact: true }).fill('abc');
      await page.getByLabel('Confirm password').fill('abd');
      await clickAndWait(page, page.getByRole('button', { name: 'Create portal account' }));
      assert.equal(await page.locator('.field.has-error').count(), 4, 'every field shows its error');
      await checkPage(page, `register-errors-${device}`);
    }

    await page.goto('/portal/sign-in');
    await page.getByLabel('AWS account ID').fill(ACCOUNT);
    await page.getByLabel('Password').fill(GOOD_PASSWORD);
    await clickAndWait(page, page.getByRole('button', { name: 'Sign in' }));
    assert.equal(await page.locator('table tbody tr').count(), 3);
    await page.goto('/portal/entitlements?notice=welcome');
    for (const [device, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      await checkPage(page, `entitlements-${device}`);
    }

    assert.deepEqual(problems.errors, []);
  } finally {
    await context.close();
  }
});

void test('every admin section fits at desktop (1280px) and phone (390px) widths', { skip }, async () => {
  const portal = suite.portal();
  const admin = await staffHelpers(() => portal).enrolledStaff('layout.admin@webstream.example', 'admin');
  const { context, page, problems } = await suite.open();
  try {
    await staffSignInThroughForm(page, portal, admin);
    const pages = adminSectionPages({ awsAccountId: ACCOUNT, licenceId, notificationId });
    for (const [device, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      for (const [name, url] of Object.entries(pages)) {
        const response = await page.goto(url);
        assert.equal(response?.status(), name.endsWith('-bad-filter') ? 400 : 200, `${name}: ${url}`);
        await checkPage(page, `admin-${name}-${device}`);
      }
    }
    assert.deepEqual(problems.errors, []);
  } finally {
    await context.close();
  }
});
