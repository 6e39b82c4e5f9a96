/**
 * Browser journeys for the first sign-in with a staff-issued one-time password (forced change before
 * anything else) and for the emailed new-device check (DESIGN.md §2).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { browserSuite, clickAndWait, signInThroughForm } from '../support/browser.js';
import { GOOD_PASSWORD, issueLicence } from '../support/test-portal.js';

const STAFF_CREATED = '135700002468';
const NEW_DEVICE = '135700009999';
const NEW_PASSWORD = 'Quiet-Harbour-Lamp-73';

const suite = browserSuite(async (portal) => {
  await issueLicence(portal, STAFF_CREATED);
  await issueLicence(portal, NEW_DEVICE);
});
const { skip } = suite;

const heading = (page: Page) => page.getByRole('heading', { level: 1 }).textContent();


void test('a staff-created account signs in with the emailed one-time password and must choose its own first', { skip }, async () => {
  const portal = suite.portal();
  await portal.services.accountProvisioning.createWithOneTimePassword({ awsAccountId: STAFF_CREATED, email: 'first@example.com' }, { actor: 'test' });
  await portal.deliverMail();
  const mail = await portal.inbox.waitFor('first@example.com', /./);
  const oneTimePassword = /One-time password: (\S+)/.exec(mail.text)?.[1];
  assert.ok(oneTimePassword !== undefined, mail.text);

  const { context, page, problems } = await suite.open();
  try {
    await signInThroughForm(page, STAFF_CREATED, oneTimePassword);
    assert.equal(new URL(page.url()).pathname, '/portal/change-password');
    // Nothing else opens until the password is changed.
    await page.goto('/portal/entitlements');
    assert.equal(new URL(page.url()).pathname, '/portal/change-password');

    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Confirm new password').fill(NEW_PASSWORD);
    await clickAndWait(page, page.getByRole('button', { name: /password/i }));
    assert.equal(new URL(page.url()).pathname, '/portal/entitlements');
    assert.equal(await heading(page), 'My Entitlements');

    // The one-time password no longer works; the new one does.
    await clickAndWait(page, page.getByRole('button', { name: 'Sign out' }));
    await signInThroughForm(page, STAFF_CREATED, oneTimePassword);
    assert.equal(new URL(page.url()).pathname, '/portal/sign-in');
    assert.match(await page.locator('.error-summary').innerText(), /incorrect/);
    await signInThroughForm(page, STAFF_CREATED, NEW_PASSWORD);
    assert.equal(await heading(page), 'My Entitlements');
    assert.deepEqual(problems.errors, []);
  } finally {
    await context.close();
  }
});

void test('with the new-device check on, an unknown browser confirms an emailed code; the same browser is then known', { skip }, async () => {
  const portal = suite.portal();
  await portal.services.accountProvisioning.createWithOneTimePassword({ awsAccountId: NEW_DEVICE, email: 'device@example.com' }, { actor: 'test' });
  await portal.services.db.updateTable('portal_accounts').set({ must_change_password: false, one_time_password_expires_at: null }).where('aws_account_id', '=', NEW_DEVICE).execute();
  await portal.services.accounts.setPassword((await portal.services.accounts.findByAwsAccountId(NEW_DEVICE))?.id ?? '', await portal.services.hasher.hash(GOOD_PASSWORD), portal.clock.now());
  await portal.services.settings.setVerifyNewDevices(true, portal.clock.now());

  const { context, page, problems } = await suite.open();
  try {
    await signInThroughForm(page, NEW_DEVICE, GOOD_PASSWORD);
    assert.equal(new URL(page.url()).pathname, '/portal/sign-in/verify');
    assert.match(await page.locator('main').innerText(), /browser this account has not used before/);
    await portal.deliverMail();
    const mail = await portal.inbox.waitFor('device@example.com', /verification code/);
    const code = /^\s*(\d{6})\s*$/m.exec(mail.text)?.[1];
    assert.ok(code !== undefined, mail.text);
    await page.getByLabel('Verification code').fill(code);
    await clickAndWait(page, page.getByRole('button', { name: 'Verify' }));
    assert.equal(await heading(page), 'My Entitlements');

    // Same browser (its device cookie kept): straight in.
    await clickAndWait(page, page.getByRole('button', { name: 'Sign out' }));
    await signInThroughForm(page, NEW_DEVICE, GOOD_PASSWORD);
    assert.equal(await heading(page), 'My Entitlements');
    assert.deepEqual(problems.errors, []);
  } finally {
    await context.close();
    await portal.services.settings.setVerifyNewDevices(false, portal.clock.now());
  }
});
