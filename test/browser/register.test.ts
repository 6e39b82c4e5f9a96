/**
 * Browser journeys: creating a portal account (DESIGN.md §2 "Create portal account"), the welcome email
 * and verifying the contact address, and the refusal without a licence.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PASSWORD_RULES } from '../../src/accounts/password.policy.js';
import { browserSuite, clickAndWait } from '../support/browser.js';
import { linkIn } from '../support/smtp.js';
import { GOOD_PASSWORD, issueLicence } from '../support/test-portal.js';

const suite = browserSuite();
const { skip } = suite;

void test('register: rules shown first, every broken rule listed at once, then entitlements, welcome email and verification', { skip }, async () => {
  const portal = suite.portal();
  await issueLicence(portal, '111122223333', { plan: 'enterprise', seats: 25 });
  const { context, page, problems } = await suite.open();
  try {
    await page.goto('/portal/register');
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Create your portal account');

    // The rules are on the page, tied to the password field, before anything is typed.
    const password = page.getByLabel('Password', { exact: true });
    const hint = page.locator('#field-password-hint');
    assert.ok(await hint.isVisible(), 'password rules are visible before typing');
    const shownRules = await hint.locator('li').allTextContents();
    assert.deepEqual(shownRules, [...PASSWORD_RULES]);
    assert.match((await password.getAttribute('aria-describedby')) ?? '', /field-password-hint/);
    assert.equal(await page.locator('.field-errors').count(), 0, 'no errors before submitting');

    // A weak password: every rule it breaks is listed next to the field, in one go.
    await page.getByLabel('AWS account ID').fill('1111-2222-3333');
    await page.getByLabel('Contact email').fill('ops@example.com');
    await password.fill('abc');
    await page.getByLabel('Confirm password').fill('abc');
    await clickAndWait(page, page.getByRole('button', { name: 'Create portal account' }));
    assert.equal(new URL(page.url()).pathname, '/portal/register');
    assert.equal(await page.getByRole('alert').textContent(), 'Please correct the highlighted fields.');
    const passwordField = page.locator('.field', { has: page.locator('#field-password') });
    assert.match((await passwordField.getAttribute('class')) ?? '', /has-error/);
    const listed = await passwordField.locator('.field-errors li').allTextContents();
    assert.deepEqual(listed, [
      'Use at least 8 characters.',
      'Add an uppercase letter.',
      'Add a digit.',
      'Add a special character, such as ! ? # or %.',
      'This password is commonly used or easy to guess. Choose something less predictable.',
    ]);
    assert.equal(await password.getAttribute('aria-invalid'), 'true');
    assert.match((await password.getAttribute('aria-describedby')) ?? '', /field-password-error/);
    // The rules stay on screen beside the errors; what was typed (but not the password) is kept.
    assert.ok(await page.locator('#field-password-hint').isVisible());
    assert.equal(await page.getByLabel('AWS account ID').inputValue(), '1111-2222-3333');
    assert.equal(await page.getByLabel('Contact email').inputValue(), 'ops@example.com');
    assert.equal(await password.inputValue(), '');

    // A good password: signed in, on My Entitlements, with the licence and the welcome notice.
    await password.fill(GOOD_PASSWORD);
    await page.getByLabel('Confirm password').fill(GOOD_PASSWORD);
    await clickAndWait(page, page.getByRole('button', { name: 'Create portal account' }));
    assert.equal(page.url(), `${portal.url}/portal/entitlements?notice=welcome`);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'My Entitlements');
    assert.match((await page.getByRole('status').textContent()) ?? '', /Welcome! Your portal account is ready/);
    const rows = page.locator('table tbody tr');
    assert.equal(await rows.count(), 1);
    const cells = await rows.first().locator('td').allTextContents();
    assert.equal(cells[0], 'enterprise');
    assert.equal(cells[1], 'Active');
    assert.equal(cells[2], '0 / 25');
    assert.equal(await page.locator('.account-chip').textContent(), '1111-2222-3333');

    // The welcome email, through real SMTP, carries the verification link.
    await portal.deliverMail();
    const mail = await portal.inbox.waitFor('ops@example.com', /Welcome/);
    const verifyLink = linkIn(mail, `${portal.url}/portal/verify-email?token=`);
    await page.goto(verifyLink);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Verify your contact email');
    assert.match((await page.locator('main').textContent()) ?? '', /ops@example\.com/);
    await clickAndWait(page, page.getByRole('button', { name: 'Confirm email address' }));
    assert.equal(page.url(), `${portal.url}/portal/entitlements?notice=email-verified`);
    assert.equal(await page.getByRole('status').textContent(), 'Thank you: your contact email address is verified.');

    // The link works once.
    await page.goto(verifyLink);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Link not valid');

    assert.deepEqual(problems.errors, []);
  } finally {
    await context.close();
  }
});

void test('register without a licence: a clear message on how to get one, and no account', { skip }, async () => {
  const { context, page, problems } = await suite.open();
  try {
    await page.goto('/portal/register');
    await page.getByLabel('AWS account ID').fill('999988887777');
    await page.getByLabel('Contact email').fill('nolicence@example.com');
    await page.getByLabel('Password', { exact: true }).fill(GOOD_PASSWORD);
    await page.getByLabel('Confirm password').fill(GOOD_PASSWORD);
    await clickAndWait(page, page.getByRole('button', { name: 'Create portal account' }));
    assert.equal(new URL(page.url()).pathname, '/portal/register');
    const summary = (await page.getByRole('alert').textContent()) ?? '';
    assert.match(summary, /We could not find a WebStream licence for AWS account 9999-8888-7777/);
    assert.match(summary, /subscribe to WebStream on AWS Marketplace/);
    assert.deepEqual(await page.locator('#field-accountId-error li').allTextContents(), ['No WebStream licence was found for this AWS account.']);
    // Not signed in: no account navigation, and the protected page still asks to sign in.
    assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0);
    await page.goto('/portal/entitlements');
    assert.equal(new URL(page.url()).pathname, '/portal/sign-in');
    assert.deepEqual(problems.errors, []);
  } finally {
    await context.close();
  }
});
