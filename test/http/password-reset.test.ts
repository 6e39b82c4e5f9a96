import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { registeredAccount, signIn } from '../support/accounts.js';
import { errorsOn, FormAgent } from '../support/form-agent.js';
import { linkIn } from '../support/smtp.js';
import { createTestPortal, GOOD_PASSWORD, type TestPortal } from '../support/test-portal.js';

let portal: TestPortal;
before(async () => {
  portal = await createTestPortal();
});
after(() => portal.close());

async function requestReset(accountId: string) {
  const agent = new FormAgent(portal.app);
  await agent.get('/portal/forgot-password');
  return agent.post('/portal/forgot-password', { accountId });
}

async function resetLink(email: string): Promise<{ path: string; token: string }> {
  await portal.deliverMail();
  const mail = await portal.inbox.waitFor(email, /Reset your WebStream/);
  portal.inbox.messages.splice(portal.inbox.messages.indexOf(mail), 1);
  const url = new URL(linkIn(mail, `${portal.config.publicUrl.origin}/portal/reset-password?token=`));
  return { path: url.pathname + url.search, token: url.searchParams.get('token') ?? '' };
}

async function choosePassword(path: string, password: string, confirm = password) {
  const agent = new FormAgent(portal.app);
  const page = await agent.get(path);
  // A dead link shows no form; take a CSRF token from another page to try posting anyway.
  if (page.status !== 200) await agent.get('/portal/sign-in');
  const token = new URL(path, 'http://x').searchParams.get('token') ?? '';
  return { page, response: await agent.post('/portal/reset-password', { token, password, passwordConfirm: confirm }) };
}

test('the answer is the same for an existing and an unknown account; only the existing one gets mail', async () => {
  await registeredAccount(portal, '666600000001', 'reset1@example.com');
  const known = await requestReset('6666-0000-0001');
  const unknown = await requestReset('666699999999');
  assert.equal(known.status, 303);
  assert.deepEqual([unknown.status, unknown.location, unknown.body], [known.status, known.location, known.body]);
  await portal.deliverMail();
  await portal.inbox.waitFor('reset1@example.com', /Reset your WebStream/);
  assert.ok(!portal.inbox.messages.some((m) => m.text.includes('6666-9999-9999')));
  const notice = await new FormAgent(portal.app).get(known.location ?? '');
  assert.match(notice.body, /If a portal account exists for that AWS account ID/);
});

test('reset: new password set, every session ended, confirmation emailed, the link works once', async () => {
  const agent = await registeredAccount(portal, '666600000002', 'reset2@example.com');
  portal.clock.advance(61_000);
  await requestReset('666600000002');
  const { path } = await resetLink('reset2@example.com');

  const { page, response } = await choosePassword(path, 'Green-Teapot-77');
  assert.equal(page.status, 200);
  assert.equal(response.status, 303);
  assert.equal(response.location, '/portal/sign-in?notice=password-reset');

  assert.equal((await agent.get('/portal/entitlements')).status, 303, 'the session from before the reset has ended');
  await portal.deliverMail();
  await portal.inbox.waitFor('reset2@example.com', /password was changed/);
  assert.equal((await signIn(portal, '666600000002', GOOD_PASSWORD)).response.status, 401);
  assert.equal((await signIn(portal, '666600000002', 'Green-Teapot-77')).response.status, 303);

  const reuse = await choosePassword(path, 'Yellow-Kettle-88');
  assert.equal(reuse.page.status, 400);
  assert.match(reuse.page.body, /invalid, has expired or has already been used/);
  assert.equal(reuse.response.status, 400);
  assert.equal((await signIn(portal, '666600000002', 'Yellow-Kettle-88')).response.status, 401);
});

test('a reset link expires (45 minutes)', async () => {
  await registeredAccount(portal, '666600000003', 'reset3@example.com');
  await requestReset('666600000003');
  const { path } = await resetLink('reset3@example.com');
  portal.clock.advance(46 * 60_000);
  const { page, response } = await choosePassword(path, 'Green-Teapot-77');
  assert.equal(page.status, 400);
  assert.equal(response.status, 400);
  assert.equal((await signIn(portal, '666600000003', GOOD_PASSWORD)).response.status, 303);
});

test('the new password follows the rules and may not be one of the last 3', async () => {
  await registeredAccount(portal, '666600000004', 'reset4@example.com');
  await requestReset('666600000004');
  const { path } = await resetLink('reset4@example.com');
  const weak = await choosePassword(path, 'short');
  assert.equal(weak.response.status, 400);
  assert.ok(errorsOn(weak.response.body).includes('Use at least 8 characters.'));
  const reused = await choosePassword(path, GOOD_PASSWORD);
  assert.equal(reused.response.status, 400);
  assert.ok(errorsOn(reused.response.body).some((e) => e.includes('not one of your last 3')));
  const mismatch = await choosePassword(path, 'Green-Teapot-77', 'Green-Teapot-78');
  assert.ok(errorsOn(mismatch.response.body).includes('The two passwords do not match.'));
  // After the failed tries the link still works, and nothing was changed.
  assert.equal((await signIn(portal, '666600000004', GOOD_PASSWORD)).response.status, 303);
  assert.equal((await choosePassword(path, 'Green-Teapot-77')).response.status, 303);
});

test('asking again within a minute sends no second email (no inbox flooding), but answers the same', async () => {
  await registeredAccount(portal, '666600000005', 'reset5@example.com');
  const first = await requestReset('666600000005');
  const second = await requestReset('666600000005');
  assert.equal(second.location, first.location);
  await portal.deliverMail();
  const count = portal.inbox.messages.filter((m) => m.to.includes('reset5@example.com') && /Reset/.test(m.subject)).length;
  assert.equal(count, 1);
});

test('reset requests and completions are audited', async () => {
  const events = new Set((await portal.services.db.selectFrom('audit_events').select('event').execute()).map((e) => e.event));
  assert.ok(events.has('password_reset.requested'));
  assert.ok(events.has('password_reset.completed'));
});
