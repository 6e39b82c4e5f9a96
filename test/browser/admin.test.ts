/**
 * The admin panel in a real browser: a staff member's first sign-in (the invitation link, a password and an
 * authenticator, then password and code), and exporting the audit log filtered by a dashed account ID.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { test } from 'node:test';
import { totpCodeAt } from '../../src/mfa/totp.js';
import { browserSuite, clickAndWait, staffSignInThroughForm } from '../support/browser.js';
import { staffHelpers } from '../support/staff.js';

const suite = browserSuite();
const { skip } = suite;
const PASSWORD = 'Harbour-Lantern-58';
const h = staffHelpers(() => suite.portal());

/** Invites an admin as `admin create` does; the link is read from the real SMTP inbox. */
async function invitationLink(email: string): Promise<string> {
  await suite.portal().services.admin.staff.invite({ email, role: 'admin' }, { actor: 'cli' });
  return h.linkMailedTo(email);
}

void test("a staff member's first sign-in: the invitation sets a password and an authenticator, then password and code open the dashboard", { skip }, async () => {
  const portal = suite.portal();
  const email = 'first.admin@webstream.example';
  const link = await invitationLink(email);
  const { context, page, problems } = await suite.open();
  try {
    await page.goto(link);
    assert.equal(await page.getByRole('img', { name: /QR code/ }).count(), 1, 'the QR code is named for screen readers');
    const secret = ((await page.locator('#totp-secret').textContent()) ?? '').replace(/\s+/g, '');
    assert.match(secret, /^[A-Z2-7]{16,}$/);
    // A wrong code first: the error is announced and focused, nothing is saved.
    await page.getByLabel('New password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Confirm the new password').fill(PASSWORD);
    await page.getByLabel('6-digit code').fill('000000');
    await clickAndWait(page, page.getByRole('button', { name: 'Create my staff account' }));
    assert.equal(await page.getByLabel('6-digit code').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'code', 'the field in error has the focus');

    await page.getByLabel('New password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Confirm the new password').fill(PASSWORD);
    await page.getByLabel('6-digit code').fill(totpCodeAt(secret, portal.clock.now()));
    await clickAndWait(page, page.getByRole('button', { name: 'Create my staff account' }));
    assert.equal(new URL(page.url()).pathname, '/admin/sign-in');
    assert.match((await page.getByRole('status').textContent()) ?? '', /Your staff account is ready/);

    await staffSignInThroughForm(page, portal, { email, secret, password: PASSWORD });
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Dashboard');
    assert.equal(await page.getByRole('img', { name: 'Customer sign-ins per day' }).count(), 1);
    const nav = page.getByRole('navigation', { name: 'Admin panel' });
    for (const label of ['Dashboard', 'Audit log', 'Staff']) assert.equal(await nav.getByRole('link', { name: label }).count(), 1, label);
    assert.deepEqual(problems.errors, [], 'no CSP violation or page error');
  } finally {
    await context.close();
  }
});

void test('exporting the audit log filtered by a dashed account ID downloads those entries as CSV', { skip }, async () => {
  const portal = suite.portal();
  const staff = await h.enrolledStaff('exporter@webstream.example', 'admin');
  for (let i = 0; i < 3; i++) await portal.services.audit.record({ event: 'sign_in.failed', actor: 'anonymous', awsAccountId: '135792468024', ip: '203.0.113.9', details: { try: i } });
  await portal.services.audit.record({ event: 'sign_in.failed', actor: 'anonymous', awsAccountId: '999988887777', details: {} });
  const { context, page, problems } = await suite.open();
  try {
    await staffSignInThroughForm(page, portal, staff);

    await clickAndWait(page, page.getByRole('navigation', { name: 'Admin panel' }).getByRole('link', { name: 'Audit log' }));
    await page.getByLabel('AWS account ID').fill('1357-9246-8024');
    await clickAndWait(page, page.getByRole('button', { name: 'Filter' }));
    assert.equal(await page.locator('table.audit tbody tr').count(), 3);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export these entries as CSV' }).click()]);
    assert.match(download.suggestedFilename(), /^audit-log-\d{8}-\d{6}\.csv$/);
    const file = await download.path();
    const lines = (await fs.readFile(file, 'utf8')).trimEnd().split('\r\n');
    assert.equal(lines[0], 'time,event,actor,aws_account_id,address,reason,details');
    assert.equal(lines.length, 4);
    for (const line of lines.slice(1)) assert.match(line, /,sign_in\.failed,anonymous,135792468024,203\.0\.113\.9,,/);
    assert.deepEqual(problems.errors, [], 'no CSP violation or page error');
  } finally {
    await context.close();
  }
});
