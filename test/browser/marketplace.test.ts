/**
 * The AWS Marketplace buyer journey in a real browser (DESIGN.md §4): subscribe on the emulator's buyer
 * page, press "Set up your account" (a cross-site form post: the emulator is opened as `localhost`, the
 * portal as `127.0.0.1`), land, register on the link page, provision, and see the licence.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { EMULATOR_DEFAULTS, startEmulator, type Emulator } from '../../src/emulator/emulator.server.js';
import { andWaitForPage, browserSkip, clickAndWait, launchBrowser, openPage } from '../support/browser.js';
import { createTestPortal, GOOD_PASSWORD, type TestPortal } from '../support/test-portal.js';

const skip = browserSkip();
let browser: Browser | undefined;
let portal: TestPortal | undefined;
let emulator: Emulator | undefined;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

before(async () => {
  if (skip !== false) return;
  browser = await launchBrowser();
  // The portal needs the emulator's address and the emulator the portal's: the emulator's port is chosen first.
  const emulatorPort = await freePort();
  portal = await createTestPortal({ listen: true, env: { AWS_ENDPOINT_URL: `http://127.0.0.1:${emulatorPort}`, MARKETPLACE_PRODUCT_CODE: EMULATOR_DEFAULTS.productCode } });
  emulator = await startEmulator({ port: emulatorPort, portalUrl: portal.url, httpsPort: false, notifications: 'none' });
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

/** On the emulator's buyer page (another site than the portal), subscribe and press Set up your account. */
async function subscribeAndSetUp(page: Page, accountId: string, plan: string, quantity: string): Promise<void> {
  const buyerUrl = running().emulator.buyerUrl.replace('127.0.0.1', 'localhost');
  await page.goto(buyerUrl);
  await page.getByLabel('AWS account ID').fill(accountId);
  await page.getByLabel('Plan (dimension)').selectOption(plan);
  await page.getByLabel('Quantity').fill(quantity);
  await page.getByLabel('Contract duration').selectOption('12');
  await clickAndWait(page, page.getByRole('button', { name: 'Subscribe' }));
  assert.equal(await heading(page), 'Thank you for subscribing to WebStream');
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
