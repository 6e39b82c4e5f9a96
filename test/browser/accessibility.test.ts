/**
 * Every main page of the portal and of the admin panel checked by axe-core against WCAG 2.1 A and AA:
 * labels, names, contrast, landmarks, ARIA, at desktop and phone widths, with forms showing their errors
 * too (an error state is where accessibility usually breaks).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { accessibilityProblems, adminSectionPages, browserSuite, clickAndWait, signInThroughForm, staffSignInThroughForm } from '../support/browser.js';
import { failedNotification } from '../support/failed-notifications.js';
import { STAFF_PASSWORD, staffHelpers } from '../support/staff.js';
import { GOOD_PASSWORD, issueLicence } from '../support/test-portal.js';

const ACCOUNT = '313131313131';
const VIEWPORTS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
let licenceId = '';
let notificationId = '';

const suite = browserSuite(
  async (portal) => {
    licenceId = (await issueLicence(portal, ACCOUNT, { plan: 'studio', seats: 4, days: 20 })).id;
    const suspended = await issueLicence(portal, ACCOUNT, { plan: 'starter', seats: 1 });
    await portal.services.licences.transition(suspended.id, { action: 'suspend' }, { actor: 'test', reason: 'accessibility fixture' });
    await portal.services.registration.register({ accountId: ACCOUNT, email: 'a11y@customer.example', password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD }, { ip: '127.0.0.1', userAgent: 'test fixture' });
    notificationId = await failedNotification(portal, 'evt-a11y', ACCOUNT);
  },
  { MARKETPLACE_PRODUCT_CODE: 'ours-product-1' },
);
const { skip } = suite;

/** Opens each page at each width and collects what axe finds, named by page and width. */
async function problemsOn(page: Page, pages: Record<string, string>): Promise<string[]> {
  const found: string[] = [];
  for (const [width, viewport] of Object.entries(VIEWPORTS)) {
    await page.setViewportSize(viewport);
    for (const [name, url] of Object.entries(pages)) {
      await page.goto(url);
      for (const problem of await accessibilityProblems(page)) found.push(`${name} (${width}) ${url}: ${problem}`);
    }
  }
  return found;
}

void test('the check itself finds what it must: an unlabelled field, an image without text, low contrast', { skip }, async () => {
  const { context, page } = await suite.open();
  try {
    await page.setContent('<!doctype html><html lang="en"><head><title>Broken</title></head><body><main><h1>Broken</h1><input name="q"><img src="data:,"><p style="color:#bbb;background:#fff">faint</p></main></body></html>');
    const ids = (await accessibilityProblems(page)).map((p) => p.split(' ')[0]);
    assert.deepEqual(ids.sort(), ['color-contrast', 'image-alt', 'label']);
  } finally {
    await context.close();
  }
});

void test('portal pages, and forms showing their errors, have no WCAG 2.1 A or AA problem', { skip }, async () => {
  const { context, page } = await suite.open();
  try {
    const found = await problemsOn(page, { 'sign-in': '/portal/sign-in', register: '/portal/register', 'forgot password': '/portal/forgot-password' });

    await page.goto('/portal/sign-in');
    await page.getByLabel('AWS account ID').fill('1234');
    await page.getByLabel('Password').fill('wrong');
    await clickAndWait(page, page.getByRole('button', { name: 'Sign in' }));
    for (const problem of await accessibilityProblems(page)) found.push(`sign-in with an error: ${problem}`);

    await signInThroughForm(page, ACCOUNT, GOOD_PASSWORD);
    found.push(...(await problemsOn(page, { entitlements: '/portal/entitlements', settings: '/portal/settings', 'authenticator set-up': '/portal/settings/mfa/totp' })));
    assert.deepEqual(found, []);
  } finally {
    await context.close();
  }
});

void test('every admin section, and a form showing its errors, has no WCAG 2.1 A or AA problem', { skip }, async () => {
  const portal = suite.portal();
  const h = staffHelpers(() => portal);
  const admin = await h.enrolledStaff('a11y.admin@webstream.example', 'admin');
  const { context, page } = await suite.open();
  try {
    await portal.services.admin.staff.invite({ email: 'a11y.invited@webstream.example', role: 'support' }, { actor: 'cli' });
    const invitation = await h.linkMailedTo('a11y.invited@webstream.example');
    const found = await problemsOn(page, { 'staff sign-in': '/admin/sign-in', invitation });
    await page.goto('/admin/sign-in');
    await page.getByLabel('Email address').fill(admin.email);
    await page.getByLabel('Password').fill(STAFF_PASSWORD);
    await clickAndWait(page, page.getByRole('button', { name: 'Continue' }));
    for (const problem of await accessibilityProblems(page)) found.push(`staff sign-in, code step: ${problem}`);
    await staffSignInThroughForm(page, portal, admin);
    found.push(
      ...(await problemsOn(page, adminSectionPages({ awsAccountId: ACCOUNT, licenceId, notificationId }))),
    );

    // The server's answer to a missing reason (the browser would stop it first: its check is taken off).
    await page.goto(`/admin/licences/${licenceId}`);
    await page.locator('#suspend-reason').evaluate((el) => {
      el.removeAttribute('required');
      el.removeAttribute('minlength');
    });
    await clickAndWait(page, page.getByRole('button', { name: 'Suspend the licence' }));
    assert.equal(await page.locator('#suspend-reason').getAttribute('aria-invalid'), 'true');
    for (const problem of await accessibilityProblems(page)) found.push(`licence suspend without a reason: ${problem}`);
    assert.deepEqual(found, []);
  } finally {
    await context.close();
  }
});

void test('by keyboard alone: the first Tab offers "Skip to content", and every control on an admin page shows a focus ring in turn', { skip }, async () => {
  const portal = suite.portal();
  const admin = await staffHelpers(() => portal).enrolledStaff('a11y.keyboard@webstream.example', 'admin');
  const { context, page } = await suite.open();
  try {
    await staffSignInThroughForm(page, portal, admin);
    await page.goto(`/admin/licences/${licenceId}`);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), '← All licences', 'the skip link leads past the navigation');

    // Tab through the page: each stop is a control, shown with a visible outline, until the footer or the end.
    const unringed: string[] = [];
    const seen = new Set<string>();
    for (let stop = 0; stop < 80; stop++) {
      const focused = await page.evaluate(() => {
        const el = document.activeElement;
        if (el === null || el === document.body) return undefined;
        const style = getComputedStyle(el);
        return { key: `${el.tagName}#${el.id}|${el.getAttribute('name') ?? ''}|${el.textContent.trim().slice(0, 40)}`, ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2 };
      });
      if (focused === undefined || seen.has(focused.key)) break;
      seen.add(focused.key);
      if (!focused.ring) unringed.push(focused.key);
      await page.keyboard.press('Tab');
    }
    assert.ok(seen.size >= 10, `the page's controls are reachable (${seen.size} stops)`);
    assert.deepEqual(unringed, [], 'every stop shows the focus ring');
  } finally {
    await context.close();
  }
});
