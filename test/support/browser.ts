import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before } from 'node:test';
import type { AxeResults } from 'axe-core';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { totpCodeAt } from '../../src/mfa/totp.js';
import { STAFF_PASSWORD, STEP } from './staff.js';
import { createTestPortal, type TestPortal } from './test-portal.js';

/** Debian's chromium package. `npx playwright install` is not used: the tests drive the system browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

let warned = false;

/**
 * The `skip` option for browser tests: false when chromium is there. Without it, on CI (CI=true) the
 * tests are NOT skipped, so launching fails them; elsewhere they are skipped with a loud warning.
 */
export function browserSkip(): string | false {
  if (existsSync(CHROMIUM_PATH) || process.env.CI === 'true') return false;
  const reason = `chromium not found at ${CHROMIUM_PATH}: browser tests skipped`;
  if (!warned) {
    warned = true;
    console.warn(
      [
        '',
        '!'.repeat(78),
        `!! ${reason.toUpperCase()}`,
        '!! Install it (apt-get install chromium) or set CHROMIUM_PATH. On CI (CI=true) this is a failure.',
        '!'.repeat(78),
        '',
      ].join('\n'),
    );
  }
  return reason;
}

/** Launches headless chromium; throws (failing the test) when the browser is missing. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`chromium not found at ${CHROMIUM_PATH}; browser tests cannot run${process.env.CI === 'true' ? ' (CI=true: this is a failure, not a skip)' : ''}.`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: LAUNCH_ARGS });
}

export interface PageProblems {
  /** Console errors (CSP violations show up here), uncaught page errors, failed or 4xx/5xx sub-resources. */
  errors: string[];
}

/**
 * A fresh context (own cookies) and page for one journey, collecting anything that went wrong in the
 * page itself so a test can assert there was none (a CSP violation is a console error).
 */
export async function openPage(browser: Browser, baseURL: string, viewport = { width: 1280, height: 800 }): Promise<{ context: BrowserContext; page: Page; problems: PageProblems }> {
  const context = await browser.newContext({ baseURL, viewport });
  context.setDefaultTimeout(5_000);
  context.setDefaultNavigationTimeout(10_000);
  const page = await context.newPage();
  const problems: PageProblems = { errors: [] };
  page.on('console', (message) => {
    // Chromium logs every 4xx page as "Failed to load resource"; pages answer 400/401 by design, and
    // failing sub-resources are caught by the response listener below.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.errors.push(`console: ${message.text()}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400 && response.request().resourceType() !== 'document') problems.errors.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  page.on('pageerror', (error) => problems.errors.push(`pageerror: ${error.message}`));
  page.on('requestfailed', (request) => {
    // ERR_ABORTED: the next navigation cancelled a request still in flight (often the favicon); not a fault.
    const reason = request.failure()?.errorText ?? '';
    if (reason !== 'net::ERR_ABORTED') problems.errors.push(`request failed: ${request.url()} ${reason}`);
  });
  return { context, page, problems };
}

/** Titles of the generic error pages (src/http/error-pages.tsx). */
const ERROR_PAGE_TITLES = new Set(['Not allowed', 'Form expired', 'Request not understood', 'Request refused', 'Too many requests', 'Something went wrong', 'Page not found']);

/**
 * Does something that submits a form or follows a link (a click, Enter) and waits until the next page
 * has loaded: the page answering a form post often has the same URL, so waiting for the URL is not enough.
 */
export async function andWaitForPage(page: Page, action: () => Promise<void>): Promise<void> {
  await Promise.all([page.waitForEvent('load'), action()]);
  // No journey expects the portal's generic error pages after a form: say so plainly, with the reason shown.
  const title = (await page.title()).split(' · ')[0] ?? '';
  if (ERROR_PAGE_TITLES.has(title)) {
    const text = (await page.locator('main').innerText()).replace(/\s+/g, ' ').trim();
    throw new Error(`The portal answered with its "${title}" error page at ${page.url()}: ${text}`);
  }
}

/** Clicks a submit button (or link) and waits for the page it leads to. */
export function clickAndWait(page: Page, target: Locator): Promise<void> {
  return andWaitForPage(page, () => target.click());
}

export interface BrowserSuite {
  /** Pass as the `skip` option of every test in the file. */
  skip: string | false;
  /** The listening portal (throws when used in a skipped run). */
  portal(): TestPortal;
  /** A fresh browser context and page on the portal, with its problems collected. */
  open(viewport?: { width: number; height: number }): ReturnType<typeof openPage>;
}

/**
 * One portal (own database, real SMTP inbox) and one chromium for a test file, started in before() and
 * closed in after(). `setup` runs once the portal is up (fixtures such as licences and accounts); `env`
 * adds to the portal's environment.
 */
export function browserSuite(setup?: (portal: TestPortal) => Promise<void>, env?: Record<string, string>): BrowserSuite {
  const skip = browserSkip();
  let portal: TestPortal | undefined;
  let browser: Browser | undefined;
  before(async () => {
    if (skip !== false) return;
    browser = await launchBrowser();
    portal = await createTestPortal({ listen: true, ...(env === undefined ? {} : { env }) });
    await setup?.(portal);
  });
  after(async () => {
    await browser?.close();
    await portal?.close();
  });
  const running = () => {
    if (portal === undefined || browser === undefined) throw new Error('The browser suite did not start (see before()).');
    return { portal, browser };
  };
  return {
    skip,
    portal: () => running().portal,
    open: (viewport) => {
      const { portal: p, browser: b } = running();
      return openPage(b, p.url, viewport);
    },
  };
}

/** Signs in through the sign-in form, as a person would, and waits for the next page. */
export async function signInThroughForm(page: Page, accountId: string, password: string): Promise<void> {
  await page.goto('/portal/sign-in');
  await page.getByLabel('AWS account ID').fill(accountId);
  await page.getByLabel('Password').fill(password);
  await clickAndWait(page, page.getByRole('button', { name: 'Sign in' }));
}

/**
 * The two staff sign-in steps typed as a person would: email and password, then the code their authenticator
 * shows 30 seconds later (a code is good once, and enrolment used the current one). Opens /admin/sign-in
 * unless a redirect already brought the browser there; `landsOn` is where the portal must then send them.
 */
export async function staffSignInThroughForm(page: Page, portal: TestPortal, staff: { email: string; secret: string; password?: string }, landsOn = '/admin/'): Promise<void> {
  if (new URL(page.url(), portal.url).pathname !== '/admin/sign-in') await page.goto('/admin/sign-in');
  await page.getByLabel('Email address').fill(staff.email);
  await page.getByLabel('Password').fill(staff.password ?? STAFF_PASSWORD);
  await clickAndWait(page, page.getByRole('button', { name: 'Continue' }));
  portal.clock.advance(STEP);
  await page.getByLabel('Authentication code').fill(totpCodeAt(staff.secret, portal.clock.now()));
  await clickAndWait(page, page.getByRole('button', { name: 'Sign in' }));
  const at = new URL(page.url());
  if (at.pathname + at.search !== landsOn) throw new Error(`After staff sign-in the browser is at ${at.pathname}${at.search}, not ${landsOn}.`);
}

let axeSource: string | undefined;

/**
 * What axe-core (the accessibility engine browsers' own audits use) finds wrong on the page against WCAG 2.1
 * A and AA, one line a problem with the elements it is about; empty when there is nothing. The engine is put
 * in through the DevTools protocol, so the portal's CSP stays as strict as ever.
 */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  const results = await page.evaluate<AxeResults>('axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })');
  return results.violations.map((v) => `${v.id} (${v.impact ?? 'unrated'}): ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/**
 * Every admin section's pages, by name, for the layout and accessibility sweeps: each list and detail page,
 * and the filter forms showing an error (answered 400), where layouts and labels usually break.
 */
export function adminSectionPages(fixture: { awsAccountId: string; licenceId: string; notificationId: string }): Record<string, string> {
  const { awsAccountId, licenceId, notificationId } = fixture;
  return {
    dashboard: '/admin/',
    customers: `/admin/customers?q=${awsAccountId.slice(0, 4)}`,
    customer: `/admin/customers/${awsAccountId}`,
    'customer-disable': `/admin/customers/${awsAccountId}/disable`,
    licences: '/admin/licences?ending=30',
    licence: `/admin/licences/${licenceId}`,
    'licence-issue': '/admin/licences/new',
    marketplace: '/admin/marketplace',
    notifications: '/admin/marketplace/notifications',
    'notifications-bad-filter': '/admin/marketplace/notifications?account=12-34',
    notification: `/admin/marketplace/notifications/${notificationId}`,
    audit: '/admin/audit',
    'audit-bad-filter': '/admin/audit?from=yesterday',
    outbox: '/admin/outbox',
    settings: '/admin/settings',
    staff: '/admin/staff',
  };
}
