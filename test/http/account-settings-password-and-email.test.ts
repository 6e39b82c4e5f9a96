/**
 * Settings (DESIGN.md §2 "Sessions", issue 3): changing the password (throttled checks of the current one,
 * the rules, the last 3), changing the contact email (confirmed by POST, once), and the forced change after a
 * one-time password.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PASSWORD_RULES } from '../../src/accounts/password.policy.js';
import { registeredAccount } from '../support/accounts.js';
import { NEW_PASSWORD, settingsSteps } from '../support/account-settings.js';
import { errorsOn, FormAgent } from '../support/form-agent.js';
import { linkIn } from '../support/smtp.js';
import { createTestPortal, GOOD_PASSWORD, type TestPortal } from '../support/test-portal.js';

let portal: TestPortal;
before(async () => {
  portal = await createTestPortal();
});
after(() => portal.close());

const { signedIn, signInStatus, isSignedIn, auditEvents } = settingsSteps(() => portal);

/** The page's error messages, without the password rules the page always lists. */
function problemsOn(body: string): string[] {
  return errorsOn(body).filter((e) => !PASSWORD_RULES.includes(e));
}

/** Delivers the outbox and takes the first matching email out of the inbox (so a later wait needs a new one). */
async function takeMail(to: string, subject: RegExp) {
  await portal.deliverMail();
  const mail = await portal.inbox.waitFor(to, subject);
  portal.inbox.messages.splice(portal.inbox.messages.indexOf(mail), 1);
  return mail;
}

async function changePassword(agent: FormAgent, currentPassword: string, newPassword: string, newPasswordConfirm = newPassword) {
  await agent.get('/portal/settings');
  return agent.post('/portal/settings/password', { currentPassword, newPassword, newPasswordConfirm });
}

test('password change: the old password stops working, other sessions are signed out, this one stays, an email says so', async () => {
  const here = await registeredAccount(portal, '777700000002', 'change@example.com');
  const elsewhere = await signedIn('777700000002');
  const response = await changePassword(here, GOOD_PASSWORD, NEW_PASSWORD);
  assert.equal(response.status, 303, errorsOn(response.body).join(' | '));
  assert.equal(response.location, '/portal/settings?notice=password-changed');
  const after = await here.get(response.location);
  assert.equal(after.status, 200, 'this browser stays signed in');
  assert.match(after.body, /Your password has been changed\. Every other session of your account was signed out/);
  assert.equal(await isSignedIn(elsewhere), false, 'the other browser was signed out');

  const mail = await takeMail('change@example.com', /password was changed/);
  assert.match(mail.text, /every other session of the account was signed out/);
  assert.equal(await signInStatus('777700000002', GOOD_PASSWORD), 401);
  assert.equal(await signInStatus('777700000002', NEW_PASSWORD), 303);
  assert.ok((await auditEvents('777700000002')).includes('account.password_changed'));
});

test('a wrong current password gets a field error, and repeated guesses are throttled like sign-in', async () => {
  // Its own address, so the per-address count of other tests is not involved.
  const agent = await registeredAccount(portal, '777700000003', 'guess@example.com', '10.0.0.3');
  for (let i = 1; i <= 5; i++) {
    const response = await changePassword(agent, `Wrong-Guess-${i}x`, NEW_PASSWORD);
    assert.equal(response.status, 400, `guess ${i}`);
    assert.deepEqual(problemsOn(response.body), ['Please correct the highlighted fields.', 'Your current password is not correct.']);
    assert.match(response.body, /aria-describedby="field-currentPassword-error"/);
  }
  // The 5th failure set a wait: now even the right password is not checked.
  const locked = await changePassword(agent, GOOD_PASSWORD, NEW_PASSWORD);
  assert.equal(locked.status, 429);
  assert.ok(errorsOn(locked.body).some((e) => e.startsWith('Too many wrong passwords. For your security, please wait')), errorsOn(locked.body).join(' | '));
  // The contact-email form shares the count.
  await agent.get('/portal/settings');
  const emailLocked = await agent.post('/portal/settings/email', { newEmail: 'other@example.com', emailPassword: GOOD_PASSWORD });
  assert.equal(emailLocked.status, 429);
  assert.equal(await signInStatus('777700000003', NEW_PASSWORD), 401, 'nothing changed while locked');

  portal.clock.advance(2_000);
  const allowed = await changePassword(agent, GOOD_PASSWORD, NEW_PASSWORD);
  assert.equal(allowed.status, 303, 'the wait ends by itself');
  const failures = await portal.services.db.selectFrom('audit_events').select('details').where('event', '=', 'account.password_check_failed').where('aws_account_id', '=', '777700000003').execute();
  assert.equal(failures.length, 7);
});

test('a weak new password, a mismatch, or one of the last 3 passwords is refused with every problem beside its field', async () => {
  const agent = await registeredAccount(portal, '777700000004', 'rules@example.com');
  const weak = await changePassword(agent, GOOD_PASSWORD, 'short');
  assert.equal(weak.status, 400);
  const errors = errorsOn(weak.body);
  for (const expected of ['Use at least 8 characters.', 'Add an uppercase letter.', 'Add a digit.', 'Add a special character, such as ! ? # or %.']) assert.ok(errors.includes(expected), expected);
  assert.match(weak.body, /aria-describedby="field-newPassword-hint field-newPassword-error"/);

  const mismatch = await changePassword(agent, GOOD_PASSWORD, NEW_PASSWORD, 'Green-Teapot-78');
  assert.equal(mismatch.status, 400);
  assert.ok(errorsOn(mismatch.body).includes('The two passwords do not match.'));

  const same = await changePassword(agent, GOOD_PASSWORD, GOOD_PASSWORD);
  assert.equal(same.status, 400);
  assert.ok(errorsOn(same.body).some((e) => e.includes('not one of your last 3')));

  // Whether a password was used before is only said to someone who proved the current one.
  const probing = await changePassword(agent, 'Not-The-Password-1', GOOD_PASSWORD);
  assert.equal(probing.status, 400);
  assert.ok(!errorsOn(probing.body).some((e) => e.includes('last 3')), errorsOn(probing.body).join(' | '));

  // Two changes later the first password is still one of the last 3; a fourth one back is allowed again.
  assert.equal((await changePassword(agent, GOOD_PASSWORD, NEW_PASSWORD)).status, 303);
  assert.equal((await changePassword(agent, NEW_PASSWORD, 'Yellow-Kettle-88')).status, 303);
  const recent = await changePassword(agent, 'Yellow-Kettle-88', GOOD_PASSWORD);
  assert.ok(errorsOn(recent.body).some((e) => e.includes('not one of your last 3')));
  assert.equal((await changePassword(agent, 'Yellow-Kettle-88', 'Purple-Lantern-19')).status, 303);
  assert.equal((await changePassword(agent, 'Purple-Lantern-19', GOOD_PASSWORD)).status, 303);
});

test('contact email change: the old address is told, the new one gets a link, the change applies only when confirmed by POST, once', async () => {
  const agent = await registeredAccount(portal, '777700000005', 'old@example.com');
  const welcome = await takeMail('old@example.com', /Welcome/);
  const oldVerifyLink = new URL(linkIn(welcome, `${portal.config.publicUrl.origin}/portal/verify-email?token=`));

  await agent.get('/portal/settings');
  const wrong = await agent.post('/portal/settings/email', { newEmail: 'not-an-address', emailPassword: 'Wrong-Password-1' });
  assert.equal(wrong.status, 400);
  assert.deepEqual(problemsOn(wrong.body), ['Please correct the highlighted fields.', 'Enter an email address like name@example.com.', 'Your current password is not correct.']);
  assert.match(wrong.body, /value="not-an-address"/, 'what was typed is kept');
  const same = await agent.post('/portal/settings/email', { newEmail: ' OLD@example.com ', emailPassword: GOOD_PASSWORD });
  assert.ok(errorsOn(same.body).includes('This is already your contact email address.'));

  const requested = await agent.post('/portal/settings/email', { newEmail: ' new@example.com ', emailPassword: GOOD_PASSWORD });
  assert.equal(requested.status, 303, errorsOn(requested.body).join(' | '));
  assert.equal(requested.location, '/portal/settings?notice=email-change-sent');
  const pending = await agent.get(requested.location);
  assert.match(pending.body, /We have emailed a confirmation link to your new address/);
  assert.match(pending.body, /Pending: <strong>new@example\.com<\/strong>, check your inbox/);
  assert.match(pending.body, /go to <strong>old@example\.com<\/strong>/);

  const notice = await takeMail('old@example.com', /contact email is being changed/);
  assert.match(notice.text, /new@example\.com/);
  const confirm = await takeMail('new@example.com', /Confirm your new contact email/);
  const link = new URL(linkIn(confirm, `${portal.config.publicUrl.origin}/portal/verify-email?token=`));
  const token = link.searchParams.get('token') ?? '';
  const email = async () => (await portal.services.db.selectFrom('portal_accounts').select(['email', 'email_verified_at']).where('aws_account_id', '=', '777700000005').executeTakeFirstOrThrow());

  // Opening the link changes nothing; the button does.
  const opened = await agent.get(link.pathname + link.search);
  assert.equal(opened.status, 200);
  assert.match(opened.body, /new@example\.com/);
  assert.equal((await email()).email, 'old@example.com');
  const confirmed = await agent.post('/portal/verify-email', { token });
  assert.equal(confirmed.status, 303);
  assert.equal((await email()).email, 'new@example.com');
  assert.notEqual((await email()).email_verified_at, null);
  const settled = await agent.get('/portal/settings');
  assert.match(settled.body, /new@example\.com<\/strong> <span class="status status-active">Verified<\/span>/);
  assert.doesNotMatch(settled.body, /Pending:/);

  // Single use; and the welcome link of the old address cannot switch it back.
  assert.equal((await agent.post('/portal/verify-email', { token })).status, 400);
  assert.equal((await agent.get(link.pathname + link.search)).status, 400);
  await agent.get('/portal/settings');
  assert.equal((await agent.post('/portal/verify-email', { token: oldVerifyLink.searchParams.get('token') ?? '' })).status, 400);
  assert.equal((await email()).email, 'new@example.com');
  const events = await auditEvents('777700000005');
  assert.ok(events.includes('account.email_change_requested') && events.includes('account.email_changed'), events.join(', '));
});

test('a pending email change dies when the password changes (the owner\'s answer to "if you did not do this")', async () => {
  const agent = await registeredAccount(portal, '777700000026', 'owner@example.com');
  await agent.get('/portal/settings');
  assert.equal((await agent.post('/portal/settings/email', { newEmail: 'intruder@example.com', emailPassword: GOOD_PASSWORD })).status, 303);
  const link = new URL(linkIn(await takeMail('intruder@example.com', /Confirm your new contact email/), `${portal.config.publicUrl.origin}/portal/verify-email?token=`));
  assert.equal((await changePassword(agent, GOOD_PASSWORD, NEW_PASSWORD)).status, 303);
  await agent.get('/portal/settings');
  assert.equal((await agent.post('/portal/verify-email', { token: link.searchParams.get('token') ?? '' })).status, 400, 'the pending link is dead');
  const row = await portal.services.db.selectFrom('portal_accounts').select('email').where('aws_account_id', '=', '777700000026').executeTakeFirstOrThrow();
  assert.equal(row.email, 'owner@example.com');
  assert.doesNotMatch((await agent.get('/portal/settings')).body, /Pending:/);
});

test('a newer email change replaces the pending one, and asking again within a minute sends nothing', async () => {
  const agent = await registeredAccount(portal, '777700000006', 'first@example.com');
  await agent.get('/portal/settings');
  assert.equal((await agent.post('/portal/settings/email', { newEmail: 'second@example.com', emailPassword: GOOD_PASSWORD })).status, 303);
  await agent.get('/portal/settings');
  const tooSoon = await agent.post('/portal/settings/email', { newEmail: 'third@example.com', emailPassword: GOOD_PASSWORD });
  assert.equal(tooSoon.status, 429);
  assert.match(tooSoon.body, /We have just sent a confirmation link/);
  const firstLink = new URL(linkIn(await takeMail('second@example.com', /Confirm your new contact email/), `${portal.config.publicUrl.origin}/portal/verify-email?token=`));

  portal.clock.advance(61_000);
  await agent.get('/portal/settings');
  assert.equal((await agent.post('/portal/settings/email', { newEmail: 'third@example.com', emailPassword: GOOD_PASSWORD })).status, 303);
  assert.match((await agent.get('/portal/settings')).body, /Pending: <strong>third@example\.com<\/strong>/);
  assert.equal((await agent.post('/portal/verify-email', { token: firstLink.searchParams.get('token') ?? '' })).status, 400, 'the replaced link is dead');
  const secondLink = new URL(linkIn(await takeMail('third@example.com', /Confirm your new contact email/), `${portal.config.publicUrl.origin}/portal/verify-email?token=`));
  await agent.get('/portal/settings');
  assert.equal((await agent.post('/portal/verify-email', { token: secondLink.searchParams.get('token') ?? '' })).status, 303);
  const row = await portal.services.db.selectFrom('portal_accounts').select('email').where('aws_account_id', '=', '777700000006').executeTakeFirstOrThrow();
  assert.equal(row.email, 'third@example.com');
});

/** An account whose password is a one-time password from staff (as account provisioning leaves it). */
async function withOneTimePassword(awsAccountId: string, email: string): Promise<void> {
  await registeredAccount(portal, awsAccountId, email);
  await portal.services.db
    .updateTable('portal_accounts')
    .set({ must_change_password: true, one_time_password_expires_at: new Date(portal.clock.now().getTime() + 86_400_000) })
    .where('aws_account_id', '=', awsAccountId)
    .execute();
  const account = await portal.services.accounts.findByAwsAccountId(awsAccountId);
  await portal.services.db.deleteFrom('portal_sessions').where('account_id', '=', account?.id ?? '').execute();
}

test('forced change after a one-time password: new password by the rules, no current password, other sessions ended', async () => {
  await withOneTimePassword('777700000015', 'forced@example.com');
  const agent = await signedIn('777700000015');
  const elsewhere = await signedIn('777700000015');

  const settings = await agent.get('/portal/settings');
  assert.equal(settings.status, 303);
  assert.equal(settings.location, '/portal/change-password');
  const page = await agent.get('/portal/change-password');
  assert.equal(page.status, 200);
  assert.match(page.body, /<h1>Choose your password<\/h1>/);
  for (const rule of PASSWORD_RULES) assert.ok(page.body.includes(rule.replace(/'/g, '&#39;')), rule);
  assert.match(page.body, /name="newPassword"/);
  assert.match(page.body, /name="newPasswordConfirm"/);
  assert.doesNotMatch(page.body, /currentPassword/);

  const weak = await agent.post('/portal/change-password', { newPassword: 'password', newPasswordConfirm: 'passwort' });
  assert.equal(weak.status, 400);
  assert.ok(errorsOn(weak.body).includes('Add an uppercase letter.'));
  assert.ok(errorsOn(weak.body).includes('The two passwords do not match.'));
  const reused = await agent.post('/portal/change-password', { newPassword: GOOD_PASSWORD, newPasswordConfirm: GOOD_PASSWORD });
  assert.equal(reused.status, 400);
  assert.ok(errorsOn(reused.body).some((e) => e.includes('not one of your last 3')), 'the one-time password cannot be kept');

  const done = await agent.post('/portal/change-password', { newPassword: NEW_PASSWORD, newPasswordConfirm: NEW_PASSWORD });
  assert.equal(done.status, 303, errorsOn(done.body).join(' | '));
  assert.equal(done.location, '/portal/settings?notice=password-set', 'back to the page the gate interrupted, with the news');
  const landing = await agent.get(done.location);
  assert.equal(landing.status, 200);
  assert.match(landing.body, /Your new password is set\./);
  assert.equal(await isSignedIn(elsewhere), false, 'the other session was ended');

  const row = await portal.services.db.selectFrom('portal_accounts').select(['must_change_password', 'one_time_password_expires_at']).where('aws_account_id', '=', '777700000015').executeTakeFirstOrThrow();
  assert.deepEqual(row, { must_change_password: false, one_time_password_expires_at: null });
  await takeMail('forced@example.com', /password was changed/);
  assert.equal(await signInStatus('777700000015', GOOD_PASSWORD), 401);
  assert.equal(await signInStatus('777700000015', NEW_PASSWORD), 303);

  // Done once: the page and the form now lead to Settings and change nothing.
  assert.equal((await agent.get('/portal/change-password')).location, '/portal/settings');
  await agent.get('/portal/settings');
  const again = await agent.post('/portal/change-password', { newPassword: 'Yellow-Kettle-88', newPasswordConfirm: 'Yellow-Kettle-88' });
  assert.equal(again.status, 303);
  assert.equal(again.location, '/portal/settings');
  assert.equal(await signInStatus('777700000015', NEW_PASSWORD), 303);
  const events = await portal.services.db.selectFrom('audit_events').select('details').where('event', '=', 'account.password_changed').where('aws_account_id', '=', '777700000015').execute();
  assert.equal(events.length, 1);
});

test('the forced-change page: signed-out visitors go to sign in, other customers to Settings', async () => {
  const visitor = new FormAgent(portal.app);
  const anonymous = await visitor.get('/portal/change-password');
  assert.equal(anonymous.status, 303);
  assert.equal(anonymous.location, '/portal/sign-in');
  await visitor.get('/portal/sign-in');
  assert.equal((await visitor.post('/portal/change-password', { newPassword: NEW_PASSWORD, newPasswordConfirm: NEW_PASSWORD })).location, '/portal/sign-in');

  const customer = await registeredAccount(portal, '777700000016', 'normal@example.com');
  assert.equal((await customer.get('/portal/change-password')).location, '/portal/settings');
  await customer.get('/portal/settings');
  const post = await customer.post('/portal/change-password', { newPassword: NEW_PASSWORD, newPasswordConfirm: NEW_PASSWORD });
  assert.equal(post.location, '/portal/settings', 'no current password, no change');
  assert.equal(await signInStatus('777700000016', GOOD_PASSWORD), 303);
});
