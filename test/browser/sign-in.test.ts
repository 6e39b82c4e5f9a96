/**
 * Browser journeys: signing in and out (DESIGN.md §2 "Sign in", "Sessions"), the return to the page first
 * asked for, the generic failure message, and doing it all with the keyboard alone.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { andWaitForPage, browserSuite, clickAndWait } from '../support/browser.js';
import { GOOD_PASSWORD, issueLicence } from '../support/test-portal.js';

const ACCOUNT = '123456789012';

// The account exists already (made as registration makes it): these journeys start at sign-in.
const suite = browserSuite(async (portal) => {
  await issueLicence(portal, ACCOUNT);
  await portal.services.registration.register({ accountId: ACCOUNT, email: 'owner@example.com', password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD }, { ip: '127.0.0.1', userAgent: 'test fixture' });
});
const { skip } = suite;

const heading = (page: Page) => page.getByRole('heading', { level: 1 }).textContent();

void test('sign in with a spaced account ID, sign out, and return to the protected page first asked for', { skip }, async () => {
  const { context, page, problems } = await suite.open();
  const base = suite.portal().url;
  try {
    await page.goto('/portal/sign-in');
    await page.getByLabel('AWS account ID').fill('1234 5678 9012');
    await page.getByLabel('Password').fill(GOOD_PASSWORD);
    await clickAndWait(page, page.getByRole('button', { name: 'Sign in' }));
    assert.equal(page.url(), `${base}/portal/entitlements`);
    assert.equal(await heading(page), 'My Entitlements');
    assert.equal(await page.locator('.account-chip').textContent(), '1234-5678-9012');
    assert.equal(await page.locator('table tbody tr').count(), 1);

    // Sign out ends the session: the protected page now asks to sign in again.
    await clickAndWait(page, page.getByRole('button', { name: 'Sign out' }));
    assert.equal(page.url(), `${base}/portal/sign-in?notice=signed-out`);
    assert.equal(await page.getByRole('status').textContent(), 'You have signed out.');
    assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0);

    await page.goto('/portal/entitlements');
    assert.equal(page.url(), `${base}/portal/sign-in?next=${encodeURIComponent('/portal/entitlements')}`);
    assert.equal(await heading(page), 'Sign in');
    assert.equal(await page.locator('input[name="next"]').getAttribute('value'), '/portal/entitlements');
    await page.getByLabel('AWS account ID').fill('1234-5678-9012');
    await page.getByLabel('Password').fill(GOOD_PASSWORD);
    await clickAndWait(page, page.getByRole('button', { name: 'Sign in' }));
    assert.equal(page.url(), `${base}/portal/entitlements`);
    assert.equal(await heading(page), 'My Entitlements');

    assert.deepEqual(problems.errors, []);
  } finally {
    await context.close();
  }
});

void test('a wrong password, or an unknown account, gets the same generic message', { skip }, async () => {
  const { context, page, problems } = await suite.open();
  try {
    for (const accountId of [ACCOUNT, '555566667777']) {
      await page.goto('/portal/sign-in');
      await page.getByLabel('AWS account ID').fill(accountId);
      await page.getByLabel('Password').fill('Not-The-Password-9');
      await clickAndWait(page, page.getByRole('button', { name: 'Sign in' }));
      assert.equal(new URL(page.url()).pathname, '/portal/sign-in');
      assert.equal(await page.getByRole('alert').textContent(), 'The AWS account ID or password is incorrect.');
      // The account ID is kept, the password is not, and the password field has the focus for a retry.
      assert.equal(await page.getByLabel('AWS account ID').inputValue(), accountId);
      assert.equal(await page.getByLabel('Password').inputValue(), '');
      assert.equal(await page.locator('#field-password:focus').count(), 1);
      assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0);
    }
    assert.deepEqual(problems.errors, []);
  } finally {
    await context.close();
  }
});

void test('keyboard only: skip link, labelled inputs, visible focus, and sign-in with Tab, typing and Enter', { skip }, async () => {
  const { context, page, problems } = await suite.open();
  const base = suite.portal().url;
  try {
    // Every input on the public forms has a label that names it.
    const forms: Record<string, string[]> = {
      '/portal/sign-in': ['AWS account ID', 'Password'],
      '/portal/register': ['AWS account ID', 'Contact email', 'Password', 'Confirm password'],
      '/portal/forgot-password': ['AWS account ID'],
    };
    for (const [path, labels] of Object.entries(forms)) {
      await page.goto(path);
      const inputs = page.locator('main input:not([type="hidden"])');
      assert.equal(await inputs.count(), labels.length, `${path}: inputs`);
      for (const [index, label] of labels.entries()) {
        const byLabel = page.getByLabel(label, { exact: true });
        assert.equal(await byLabel.count(), 1, `${path}: one input labelled "${label}"`);
        assert.equal(await byLabel.getAttribute('id'), await inputs.nth(index).getAttribute('id'), `${path}: "${label}" labels input ${index}`);
      }
    }

    // The skip link is the first stop of the Tab order, becomes visible when focused, and jumps to the content.
    await page.goto('/portal/register');
    await page.keyboard.press('Tab');
    const skipLink = page.getByRole('link', { name: 'Skip to content' });
    assert.equal(await page.locator('.skip-link:focus').count(), 1, 'first Tab lands on the skip link');
    const box = await skipLink.boundingBox();
    assert.ok(box !== null && box.x >= 0 && box.y >= 0 && box.width > 0, 'the focused skip link is on screen');
    assert.equal(await page.locator('main#main').count(), 1);
    await page.keyboard.press('Enter');
    assert.equal(new URL(page.url()).hash, '#main');

    // Sign in without the mouse. The account ID field has the focus when the page opens.
    await page.goto('/portal/sign-in');
    assert.equal(await page.locator('#field-accountId:focus').count(), 1, 'account ID is focused on load');
    await page.keyboard.type('1234 5678 9012');
    await page.keyboard.press('Tab');
    assert.equal(await page.locator('#field-password:focus').count(), 1, 'Tab moves to the password');
    // Keyboard focus is visible (the outline is not switched off).
    const outline = await page.evaluate<string>("getComputedStyle(document.activeElement).outlineStyle + ' ' + getComputedStyle(document.activeElement).outlineWidth");
    assert.doesNotMatch(outline, /^none|\s0px$/, `focused input shows an outline (${outline})`);
    await page.keyboard.type(GOOD_PASSWORD);
    await andWaitForPage(page, () => page.keyboard.press('Enter'));
    assert.equal(page.url(), `${base}/portal/entitlements`);
    assert.equal(await heading(page), 'My Entitlements');

    assert.deepEqual(problems.errors, []);
  } finally {
    await context.close();
  }
});
