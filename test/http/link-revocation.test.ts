/**
 * Outstanding reset and verification links die with a password change or a confirmed contact-email change:
 * a link mailed earlier, perhaps to an address the owner has given up, must not change the account afterwards.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { registeredAccount, signIn } from '../support/accounts.js';
import { errorsOn, FormAgent } from '../support/form-agent.js';
import { linkIn } from '../support/smtp.js';
import { createTestPortal, GOOD_PASSWORD, type TestPortal } from '../support/test-portal.js';

const NEW_PASSWORD = 'Green-Teapot-77';
const ATTACKER_PASSWORD = 'Purple-Walrus-19';

let portal: TestPortal;
before(async () => {
  portal = await createTestPortal();
});
after(() => portal.close());

/** Delivers the outbox and returns the token of the first link with `path` mailed to `to` (taken out of the inbox). */
async function mailedToken(to: string, subject: RegExp, path: string): Promise<string> {
  await portal.deliverMail();
  const mail = await portal.inbox.waitFor(to, subject);
  portal.inbox.messages.splice(portal.inbox.messages.indexOf(mail), 1);
  return new URL(linkIn(mail, `${portal.config.publicUrl.origin}${path}?token=`)).searchParams.get('token') ?? '';
}

async function requestResetLink(awsAccountId: string, email: string): Promise<string> {
  const agent = new FormAgent(portal.app);
  await agent.get('/portal/forgot-password');
  assert.equal((await agent.post('/portal/forgot-password', { accountId: awsAccountId })).status, 303);
  return mailedToken(email, /Reset your WebStream/, '/portal/reset-password');
}

/** Opens a reset link and posts a new password with it, as whoever holds the link would. */
async function useResetLink(token: string, password: string) {
  const agent = new FormAgent(portal.app);
  const page = await agent.get(`/portal/reset-password?token=${token}`);
  if (page.status !== 200) await agent.get('/portal/sign-in');
  return { page, response: await agent.post('/portal/reset-password', { token, password, passwordConfirm: password }) };
}

async function assertResetLinkDead(token: string, awsAccountId: string, currentPassword: string) {
  const { page, response } = await useResetLink(token, ATTACKER_PASSWORD);
  assert.equal(page.status, 400, 'the link page says it is dead');
  assert.equal(response.status, 400, errorsOn(response.body).join(' | '));
  assert.match(response.body, /invalid, has expired or has already been used/);
  assert.equal((await signIn(portal, awsAccountId, ATTACKER_PASSWORD)).response.status, 401, 'the link set no password');
  assert.equal((await signIn(portal, awsAccountId, currentPassword)).response.status, 303);
}

test('a reset link mailed to the old address stops working once a new contact email is confirmed', async () => {
  const agent = await registeredAccount(portal, '818100000001', 'old-box@example.com');
  const resetToken = await requestResetLink('818100000001', 'old-box@example.com');

  await agent.get('/portal/settings');
  assert.equal((await agent.post('/portal/settings/email', { newEmail: 'new-box@example.com', emailPassword: GOOD_PASSWORD })).status, 303);
  const confirmToken = await mailedToken('new-box@example.com', /Confirm your new contact email/, '/portal/verify-email');
  assert.equal((await agent.post('/portal/verify-email', { token: confirmToken })).status, 303);
  assert.equal((await portal.services.accounts.findByAwsAccountId('818100000001'))?.email, 'new-box@example.com');

  await assertResetLinkDead(resetToken, '818100000001', GOOD_PASSWORD);
});

test('a reset link stops working once the password is changed in Settings', async () => {
  const agent = await registeredAccount(portal, '818100000002', 'settings@example.com');
  const resetToken = await requestResetLink('818100000002', 'settings@example.com');

  await agent.get('/portal/settings');
  const changed = await agent.post('/portal/settings/password', { currentPassword: GOOD_PASSWORD, newPassword: NEW_PASSWORD, newPasswordConfirm: NEW_PASSWORD });
  assert.equal(changed.status, 303, errorsOn(changed.body).join(' | '));

  await assertResetLinkDead(resetToken, '818100000002', NEW_PASSWORD);
});

test('a reset link stops working once a one-time password is replaced at first sign-in', async () => {
  await registeredAccount(portal, '818100000003', 'forced@example.com');
  // As after `account create`: the password must be replaced at the next sign-in.
  await portal.services.db
    .updateTable('portal_accounts')
    .set({ must_change_password: true, one_time_password_expires_at: new Date(portal.clock.now().getTime() + 86_400_000) })
    .where('aws_account_id', '=', '818100000003')
    .execute();
  const resetToken = await requestResetLink('818100000003', 'forced@example.com');

  const { agent, response } = await signIn(portal, '818100000003', GOOD_PASSWORD);
  assert.equal(response.status, 303);
  await agent.get('/portal/change-password');
  const set = await agent.post('/portal/change-password', { newPassword: NEW_PASSWORD, newPasswordConfirm: NEW_PASSWORD });
  assert.equal(set.status, 303, errorsOn(set.body).join(' | '));

  await assertResetLinkDead(resetToken, '818100000003', NEW_PASSWORD);
});

test('a verification link for the address the account was registered with stops working after a password reset', async () => {
  await registeredAccount(portal, '818100000004', 'first@example.com');
  const welcomeToken = await mailedToken('first@example.com', /verify your email/, '/portal/verify-email');

  const resetToken = await requestResetLink('818100000004', 'first@example.com');
  assert.equal((await useResetLink(resetToken, NEW_PASSWORD)).response.status, 303);

  const agent = new FormAgent(portal.app);
  assert.equal((await agent.get(`/portal/verify-email?token=${welcomeToken}`)).status, 400, 'the link page says it is dead');
  await agent.get('/portal/sign-in');
  assert.equal((await agent.post('/portal/verify-email', { token: welcomeToken })).status, 400);
  assert.equal((await portal.services.accounts.findByAwsAccountId('818100000004'))?.email_verified_at, null);
});

test('a verification link for another address stops working after a password change, and the address stays', async () => {
  const agent = await registeredAccount(portal, '818100000005', 'owner@example.com');
  await agent.get('/portal/settings');
  assert.equal((await agent.post('/portal/settings/email', { newEmail: 'elsewhere@example.com', emailPassword: GOOD_PASSWORD })).status, 303);
  const changeToken = await mailedToken('elsewhere@example.com', /Confirm your new contact email/, '/portal/verify-email');

  const resetToken = await requestResetLink('818100000005', 'owner@example.com');
  assert.equal((await useResetLink(resetToken, NEW_PASSWORD)).response.status, 303);

  const stranger = new FormAgent(portal.app);
  await stranger.get('/portal/sign-in');
  assert.equal((await stranger.post('/portal/verify-email', { token: changeToken })).status, 400);
  assert.equal((await portal.services.accounts.findByAwsAccountId('818100000005'))?.email, 'owner@example.com');
});
