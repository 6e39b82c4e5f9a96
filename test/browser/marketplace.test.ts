/**
 * The AWS Marketplace buyer journey in a real browser (DESIGN.md §4): subscribe on the emulator's buyer
 * page, press "Set up your account" (a cross-site form post: the emulator is opened as `localhost`, the
 * portal as `127.0.0.1`), land, register on the link page, provision, and see the licence. Also: an existing
 * account signing in to link, the link page refusing another AWS account (typed, or already signed in),
 * ResolveCustomer failures injected through the emulator's controls, and a spent handshake replayed.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { EMULATOR_DEFAULTS, startEmulator, type Emulator } from '../../src/emulator/emulator.server.js';
import { linkCookieName } from '../../src/marketplace/link-cookie.js';
import { andWaitForPage, browserSkip, clickAndWait, launchBrowser, openPage, signInThroughForm } from '../support/browser.js';
import { createTestPortal, GOOD_PASSWORD, issueLicence, type TestPortal } from '../support/test-portal.js';
import { freePort } from '../support/resources.js';

const skip = browserSkip();
let browser: Browser | undefined;
let portal: TestPortal | undefined;
let emulator: Emulator | undefined;

/** Portal accounts made in setup (each with a direct licence), and the AWS accounts of the journeys below. */
const EXISTING = '432100000011';
const MISMATCH_SUBSCRIBER = '432100000021';
const MISMATCH_OTHER = '432100000022';
const SIGNED_IN_OTHER = '432100000031';
const SIGNED_IN_SUBSCRIBER = '432100000032';
const REPLAY = '432100000051';
const FIXTURE_ACCOUNTS = [EXISTING, MISMATCH_SUBSCRIBER, MISMATCH_OTHER, SIGNED_IN_OTHER];


before(async () => {
  if (skip !== false) return;
  browser = await launchBrowser();
  // The portal needs the emulator's address and the emulator the portal's: the emulator's port is chosen first.
  const emulatorPort = await freePort();
  portal = await createTestPortal({ listen: true, env: { AWS_ENDPOINT_URL: `http://127.0.0.1:${emulatorPort}`, MARKETPLACE_PRODUCT_CODE: EMULATOR_DEFAULTS.productCode } });
  emulator = await startEmulator({ port: emulatorPort, portalUrl: portal.url, httpsPort: false, notifications: 'none' });
  for (const accountId of FIXTURE_ACCOUNTS) {
    await issueLicence(portal, accountId, { plan: 'enterprise', seats: 10, days: 365 });
    await portal.services.registration.register({ accountId, email: `${accountId}@example.com`, password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD }, { ip: '127.0.0.1', userAgent: 'test fixture' });
  }
});
after(async () => {
  await browser?.close();
  await portal?.close();
  await emulator?.stop();
});

function running() {
  if (browser === undefined || portal === undefined || emulator === undefined) throw new Error('The suite did not start (see before()).');
  return { browser, portal, emulator };
}

const heading = (page: Page) => page.getByRole('heading', { level: 1 }).textContent();

/** On the emulator's buyer page (another site than the portal), subscribe: the page with Set up your account follows. */
async function subscribe(page: Page, accountId: string, plan: string, quantity: string): Promise<void> {
  const buyerUrl = running().emulator.buyerUrl.replace('127.0.0.1', 'localhost');
  await page.goto(buyerUrl);
  await page.getByLabel('AWS account ID').fill(accountId);
  await page.getByLabel('Plan (dimension)').selectOption(plan);
  await page.getByLabel('Quantity').fill(quantity);
  await page.getByLabel('Contract duration').selectOption('12');
  await clickAndWait(page, page.getByRole('button', { name: 'Subscribe' }));
  assert.equal(await heading(page), 'Thank you for subscribing to WebStream');
}

/** On the emulator's buyer page (another site than the portal), subscribe and press Set up your account. */
async function subscribeAndSetUp(page: Page, accountId: string, plan: string, quantity: string): Promise<void> {
  await subscribe(page, accountId, plan, quantity);
  // The landing answers 200 and continues by itself (a Refresh header) to the link page.
  await Promise.all([page.waitForURL(/\/portal\/marketplace\/link$/, { timeout: 10_000 }), page.getByRole('button', { name: 'Set up your account' }).click()]);
}

void test('subscribe in AWS Marketplace, set up the account, register, provision, and see the Marketplace licence', { skip }, async () => {
  const { browser: b, portal: p } = running();
  const { context, page, problems } = await openPage(b, p.url);
  try {
    await subscribeAndSetUp(page, '4321 0000 0001', 'professional', '5');
    assert.equal(await heading(page), 'Link your subscription');
    assert.equal(await page.getByLabel('AWS account ID').inputValue(), '4321-0000-0001');
    assert.equal(await page.getByLabel('AWS account ID').getAttribute('readonly'), '');

    await page.getByLabel('Contact email').fill('buyer@example.com');
    await page.getByLabel('Password', { exact: true }).fill(GOOD_PASSWORD);
    await page.getByLabel('Confirm password').fill(GOOD_PASSWORD);
    // Registration, then the "setting up" page, which posts itself (an external script), then My Entitlements.
    await Promise.all([page.waitForURL(/\/portal\/entitlements\?notice=marketplace-provisioned$/, { timeout: 15_000 }), page.getByRole('button', { name: 'Create portal account and link' }).click()]);
    assert.equal(await heading(page), 'My Entitlements');
    assert.match((await page.getByRole('status').textContent()) ?? '', /Your AWS Marketplace subscription is linked/);
    const row = page.locator('table tbody tr').filter({ hasText: 'professional' });
    assert.equal(await row.count(), 1);
    assert.equal(await row.locator('td').nth(2).textContent(), '0 / 5');
    assert.equal(await row.locator('td.source').textContent(), 'AWS Marketplace');
    const endsAt = new Date();
    endsAt.setUTCMonth(endsAt.getUTCMonth() + 12);
    assert.match((await row.locator('td').nth(4).textContent()) ?? '', new RegExp(`${endsAt.getUTCFullYear()}$`));
    assert.equal(await page.locator('.account-chip').textContent(), '4321-0000-0001');
    assert.deepEqual(problems.errors, []);
  } finally {
    await context.close();
  }
});

void test('without JavaScript the journey still works: the landing continues by itself and a button sets up the licence', { skip }, async () => {
  const { browser: b, portal: p } = running();
  const context = await b.newContext({ baseURL: p.url, javaScriptEnabled: false });
  context.setDefaultTimeout(5_000);
  const page = await context.newPage();
  try {
    await subscribeAndSetUp(page, '4321-0000-0002', 'standard', '3');
    await page.getByLabel('Contact email').fill('nojs@example.com');
    await page.getByLabel('Password', { exact: true }).fill(GOOD_PASSWORD);
    await page.getByLabel('Confirm password').fill(GOOD_PASSWORD);
    await clickAndWait(page, page.getByRole('button', { name: 'Create portal account and link' }));
    assert.equal(await heading(page), 'Setting up your licence');
    await andWaitForPage(page, () => page.getByRole('button', { name: 'Set up my licence' }).click());
    assert.equal(await heading(page), 'My Entitlements');
    const row = page.locator('table tbody tr').filter({ hasText: 'standard' });
    assert.equal(await row.locator('td').nth(2).textContent(), '0 / 3');
    assert.equal(await row.locator('td.source').textContent(), 'AWS Marketplace');
  } finally {
    await context.close();
  }
});

const db = () => running().portal.services.db;
const subscriptionsOf = (awsAccountId: string) => db().selectFrom('marketplace_subscriptions').selectAll().where('aws_account_id', '=', awsAccountId).execute();
const licencesOf = (awsAccountId: string) => db().selectFrom('licences').selectAll().where('aws_account_id', '=', awsAccountId).orderBy('created_at').execute();
const linkCookie = async (context: BrowserContext) => (await context.cookies()).find((c) => c.name === linkCookieName(running().portal.config));
/** The alert box of a page (the field's own error repeats the message). */
const alertText = async (page: Page) => ((await page.getByRole('alert').first().textContent()) ?? '').replace(/\s+/g, ' ').trim();

void test('a buyer who registers through the link but leaves before set-up sees the empty My Entitlements, then sets up from where they left', { skip }, async () => {
  const { browser: b, portal: p } = running();
  // Without JavaScript the set-up page waits for its button: the account exists, linked, with no licence yet.
  const context = await b.newContext({ baseURL: p.url, javaScriptEnabled: false });
  context.setDefaultTimeout(5_000);
  const page = await context.newPage();
  try {
    await subscribeAndSetUp(page, '4321-0000-0003', 'standard', '2');
    await page.getByLabel('Contact email').fill('later@example.com');
    await page.getByLabel('Password', { exact: true }).fill(GOOD_PASSWORD);
    await page.getByLabel('Confirm password').fill(GOOD_PASSWORD);
    await clickAndWait(page, page.getByRole('button', { name: 'Create portal account and link' }));
    assert.equal(await heading(page), 'Setting up your licence');
    const setUpUrl = page.url();

    await page.goto('/portal/entitlements');
    assert.equal(await heading(page), 'My Entitlements');
    const empty = page.getByRole('main').getByRole('heading', { level: 2, name: 'No licences yet' });
    assert.equal(await empty.count(), 1, 'the empty state is a titled section of the main landmark');
    assert.match((await page.locator('.card.empty').textContent()) ?? '', /holds no WebStream licences at the moment\. Subscribe to WebStream on AWS Marketplace, request a licence/);
    assert.equal(await page.locator('table').count(), 0);
    assert.equal(await page.locator('.account-chip').textContent(), '4321-0000-0003');
    assert.equal((await licencesOf('432100000003')).length, 0);

    await page.goto(setUpUrl);
    await andWaitForPage(page, () => page.getByRole('button', { name: 'Set up my licence' }).click());
    assert.equal(await heading(page), 'My Entitlements');
    assert.equal(await page.locator('.card.empty').count(), 0);
    assert.equal(await page.locator('table tbody tr').filter({ hasText: 'standard' }).locator('td').nth(2).textContent(), '0 / 2');
  } finally {
    await context.close();
  }
});

void test('an existing portal account subscribes, signs in on the link page, and sees the Marketplace licence beside its own', { skip }, async () => {
  const { browser: b, portal: p } = running();
  const { context, page, problems } = await openPage(b, p.url);
  try {
    await subscribeAndSetUp(page, '4321 0000 0011', 'professional', '7');
    assert.equal(await heading(page), 'Link your subscription');
    // A portal account exists for this AWS account: the page offers Sign in (with the ID fixed), not registration.
    assert.equal(await page.getByRole('heading', { name: 'Sign in to link' }).count(), 1);
    assert.equal(await page.getByRole('button', { name: 'Create portal account and link' }).count(), 0);
    assert.equal(await page.getByLabel('AWS account ID').inputValue(), '4321-0000-0011');
    assert.equal(await page.getByLabel('AWS account ID').getAttribute('readonly'), '');

    await page.getByLabel('Password').fill(GOOD_PASSWORD);
    await Promise.all([page.waitForURL(/\/portal\/entitlements\?notice=marketplace-provisioned$/, { timeout: 15_000 }), page.getByRole('button', { name: 'Sign in and link' }).click()]);
    assert.equal(await heading(page), 'My Entitlements');
    assert.match((await page.getByRole('status').textContent()) ?? '', /Your AWS Marketplace subscription is linked/);
    assert.equal(await page.locator('.account-chip').textContent(), '4321-0000-0011');
    assert.equal(await page.locator('table tbody tr').count(), 2);
    const marketplaceRow = page.locator('table tbody tr').filter({ hasText: 'professional' });
    assert.equal(await marketplaceRow.locator('td').nth(2).textContent(), '0 / 7');
    assert.equal(await marketplaceRow.locator('td.source').textContent(), 'AWS Marketplace');
    const directRow = page.locator('table tbody tr').filter({ hasText: 'enterprise' });
    assert.equal(await directRow.locator('td').nth(2).textContent(), '0 / 10');
    assert.equal(await directRow.locator('td.source').textContent(), 'Direct');
    assert.equal(await linkCookie(context), undefined);
    assert.deepEqual(problems.errors, []);
  } finally {
    await context.close();
  }
});

void test('signing in on the link page with another AWS account ID is refused, naming the subscription\'s account; nothing is linked', { skip }, async () => {
  const { browser: b, portal: p } = running();
  const { context, page, problems } = await openPage(b, p.url);
  try {
    await subscribeAndSetUp(page, MISMATCH_SUBSCRIBER, 'standard', '2');
    assert.equal(await page.getByRole('heading', { name: 'Sign in to link' }).count(), 1);
    // The field is read-only; someone who edits it anyway (developer tools, a hand-made post) sends another existing account's ID.
    const accountField = page.getByLabel('AWS account ID');
    await accountField.evaluate((input) => input.removeAttribute('readonly'));
    await accountField.fill('4321-0000-0022');
    await page.getByLabel('Password').fill(GOOD_PASSWORD);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/portal/marketplace/sign-in')),
      clickAndWait(page, page.getByRole('button', { name: 'Sign in and link' })),
    ]);
    assert.equal(response.status(), 403);
    assert.equal(await heading(page), 'Link your subscription');
    assert.match(await alertText(page), /^This subscription belongs to AWS account 4321-0000-0021\. Sign in with that account ID/);
    assert.equal(await page.getByLabel('AWS account ID').inputValue(), '4321-0000-0021');
    assert.equal(await page.getByLabel('AWS account ID').getAttribute('readonly'), '');
    // Not signed in as the other account, nothing linked, the handshake still open, the refusal recorded.
    assert.equal(await page.locator('.account-chip').count(), 0);
    const [subscription] = await subscriptionsOf(MISMATCH_SUBSCRIBER);
    assert.ok(subscription);
    assert.equal(subscription.linked_account_id, null);
    assert.equal(subscription.licence_id, null);
    const handshakes = await db().selectFrom('marketplace_link_handshakes').selectAll().where('subscription_id', '=', subscription.id).execute();
    assert.deepEqual(handshakes.map((h) => h.used_at), [null]);
    assert.deepEqual((await licencesOf(MISMATCH_OTHER)).map((l) => l.source), ['direct']);
    assert.deepEqual((await licencesOf(MISMATCH_SUBSCRIBER)).map((l) => l.source), ['direct']);
    const refusals = await db().selectFrom('audit_events').selectAll().where('event', '=', 'marketplace.link_refused').where('aws_account_id', '=', MISMATCH_SUBSCRIBER).execute();
    assert.equal(refusals.length, 1);
    assert.notEqual(await linkCookie(context), undefined);
    assert.deepEqual(problems.errors, []);
  } finally {
    await context.close();
  }
});

void test('signed in as another account when landing: the link page refuses, names both accounts and offers to sign out', { skip }, async () => {
  const { browser: b, portal: p } = running();
  const { context, page, problems } = await openPage(b, p.url);
  try {
    await signInThroughForm(page, SIGNED_IN_OTHER, GOOD_PASSWORD);
    assert.equal(await page.locator('.account-chip').textContent(), '4321-0000-0031');
    await subscribeAndSetUp(page, SIGNED_IN_SUBSCRIBER, 'standard', '4');
    assert.equal(await heading(page), 'Link your subscription');
    assert.match(await alertText(page), /^You are signed in as AWS account 4321-0000-0031, but this subscription belongs to AWS account 4321-0000-0032\./);
    assert.equal(await page.getByRole('button', { name: 'Link and set up my licence' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Create portal account and link' }).count(), 0);
    assert.deepEqual((await subscriptionsOf(SIGNED_IN_SUBSCRIBER)).map((s) => s.linked_account_id), [null]);

    // Signing out keeps the flow: back on the link page, signed out, with the subscription's account to register.
    await clickAndWait(page, page.getByRole('button', { name: 'Sign out and continue with 4321-0000-0032' }));
    assert.match(page.url(), /\/portal\/marketplace\/link$/);
    assert.equal(await heading(page), 'Link your subscription');
    assert.equal(await page.locator('.account-chip').count(), 0);
    assert.equal(await page.getByLabel('AWS account ID').inputValue(), '4321-0000-0032');
    assert.equal(await page.getByRole('button', { name: 'Create portal account and link' }).count(), 1);
    assert.deepEqual((await licencesOf(SIGNED_IN_OTHER)).map((l) => l.source), ['direct']);
    assert.deepEqual(problems.errors, []);
  } finally {
    await context.close();
  }
});

for (const fault of [
  { error: 'InvalidToken', accountId: '432100000041', title: 'This sign-up link is not valid' },
  { error: 'ExpiredToken', accountId: '432100000042', title: 'This sign-up link has expired' },
]) {
  void test(`the emulator fails ResolveCustomer with ${fault.error}: the landing shows a friendly page saying what to do, writes nothing`, { skip }, async () => {
    const { browser: b, portal: p, emulator: e } = running();
    const { context, page, problems } = await openPage(b, p.url);
    try {
      await subscribe(page, fault.accountId, 'standard', '1');
      // The emulator's control API: "make the next call fail".
      const armed = await fetch(`${e.url}/_emulator/fail-next`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ operation: 'ResolveCustomer', error: fault.error }) });
      assert.equal(armed.status, 200);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/marketplace/landing')),
        clickAndWait(page, page.getByRole('button', { name: 'Set up your account' })),
      ]);
      assert.equal(response.status(), 400);
      assert.equal(response.headers().refresh, undefined);
      assert.match(page.url(), /\/marketplace\/landing$/);
      assert.equal(await heading(page), fault.title);
      assert.match(await alertText(page), /go back to AWS Marketplace, open your WebStream subscription and choose “Set up your account” again\.$/);
      assert.equal(await page.getByRole('link', { name: 'Open your AWS Marketplace subscriptions' }).getAttribute('href'), 'https://console.aws.amazon.com/marketplace/home#/subscriptions');
      const text = await page.locator('body').innerText();
      assert.doesNotMatch(text, /Exception|Error:|\n\s*at |\.[jt]sx?:\d+|stack|x-amzn-marketplace-token/i);
      assert.equal(await linkCookie(context), undefined);
      assert.deepEqual(await subscriptionsOf(fault.accountId), []);
      assert.deepEqual(e.state.faults.list(), []);
      assert.deepEqual(problems.errors, []);
    } finally {
      await context.close();
    }
  });
}

void test('after linking, the landing continuation and a replayed (spent) handshake each get a clear page; landing again links nothing twice', { skip }, async () => {
  const { browser: b, portal: p } = running();
  const { context, page, problems } = await openPage(b, p.url);
  try {
    await subscribe(page, REPLAY, 'enterprise', '2');
    const token = await page.locator('input[name="x-amzn-marketplace-token"]').inputValue();
    await Promise.all([page.waitForURL(/\/portal\/marketplace\/link$/, { timeout: 10_000 }), page.getByRole('button', { name: 'Set up your account' }).click()]);
    const spent = await linkCookie(context);
    assert.ok(spent);
    await page.getByLabel('Contact email').fill('replay@example.com');
    await page.getByLabel('Password', { exact: true }).fill(GOOD_PASSWORD);
    await page.getByLabel('Confirm password').fill(GOOD_PASSWORD);
    await Promise.all([page.waitForURL(/\/portal\/entitlements\?notice=marketplace-provisioned$/, { timeout: 15_000 }), page.getByRole('button', { name: 'Create portal account and link' }).click()]);
    assert.equal(await linkCookie(context), undefined);

    // The landing page's "Continue to set up your account" again: the handshake is gone with its cookie.
    const again = await page.goto('/portal/marketplace/link');
    assert.equal(again?.status(), 400);
    assert.equal(await heading(page), 'No subscription to link');
    assert.match(await alertText(page), /If you have already linked it, your licence is on My Entitlements\.$/);
    assert.equal(await page.getByRole('link', { name: 'Go to My Entitlements' }).count(), 1);

    // The spent handshake itself, replayed (the cookie as it was before linking): refused as used, and dropped.
    await context.addCookies([spent]);
    const replay = await page.goto('/portal/marketplace/link');
    assert.equal(replay?.status(), 400);
    assert.equal(await heading(page), 'This set-up link has already been used');
    assert.match(await alertText(page), /this one has already linked the subscription\. If that was you, your licence is on My Entitlements\./);
    assert.equal(await page.getByRole('button', { name: 'Link and set up my licence' }).count(), 0);
    assert.equal(await linkCookie(context), undefined);

    // The landing form re-submitted with the same registration token (the emulator, like AWS within the token's
    // lifetime, resolves it again): a fresh handshake, and the signed-in owner is offered the link again.
    await page.goto(running().emulator.buyerUrl.replace('127.0.0.1', 'localhost'));
    const landingUrl = `${p.url}/marketplace/landing`;
    const [relanding] = await Promise.all([
      page.waitForResponse((r) => r.url() === landingUrl),
      page.waitForURL(/\/portal\/marketplace\/link$/, { timeout: 10_000 }),
      page.evaluate(
        ({ action, value }) => {
          const form = document.createElement('form');
          form.method = 'post';
          form.action = action;
          const input = document.createElement('input');
          input.type = 'hidden';
          input.name = 'x-amzn-marketplace-token';
          input.value = value;
          form.append(input);
          document.body.append(form);
          form.submit();
        },
        { action: landingUrl, value: token },
      ),
    ]);
    assert.equal(relanding.status(), 200);
    assert.equal(await heading(page), 'Link your subscription');
    assert.match((await page.locator('main').innerText()).replace(/\s+/g, ' '), /You are signed in as AWS account 4321-0000-0051, the account that subscribed\./);
    // Linking again changes nothing: the same subscription, one licence, no duplicate.
    await Promise.all([page.waitForURL(/\/portal\/entitlements\?notice=marketplace-provisioned$/, { timeout: 15_000 }), page.getByRole('button', { name: 'Link and set up my licence' }).click()]);
    assert.equal(await page.locator('table tbody tr').count(), 1);
    assert.equal((await subscriptionsOf(REPLAY)).length, 1);

    assert.deepEqual((await licencesOf(REPLAY)).map((l) => [l.source, l.plan, l.seats]), [['marketplace', 'enterprise', 2]]);
    assert.deepEqual(problems.errors, []);
  } finally {
    await context.close();
  }
});
