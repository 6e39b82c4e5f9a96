/**
 * MFA by emailed codes, turning MFA off, what a password reset or a change does to a waiting sign-in, and the
 * new-device check (DESIGN.md §2 "MFA", "New-device check"). Emailed codes are read from the real SMTP inbox.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { totpCodeAt } from '../../src/mfa/totp.js';
import { registeredAccount } from '../support/accounts.js';
import { FormAgent } from '../support/form-agent.js';
import { SECOND, MINUTE, TIMED_OUT, CODE_EMAIL, mfaHelpers } from '../support/mfa.js';
import { linkIn } from '../support/smtp.js';
import { createTestPortal, type TestPortal } from '../support/test-portal.js';

let portal: TestPortal;
before(async () => {
  portal = await createTestPortal();
});
after(() => portal.close());

const { errorOf, takeMail, emailedCode, assertNoMail, nextTotp, wrongTotp, recoveryCodesOn, enableTotp, passwordStep, challenged, verify, accountRow, auditEvents, signedIn, emailMfaAccount } = mfaHelpers(() => portal);

test('email codes: turned on with the emailed code; each sign-in emails a code that works once', async () => {
  const account = '880000000008';
  const email = 'email-mfa@example.com';
  const agent = await registeredAccount(portal, account, email, '10.8.0.1');
  await agent.get('/portal/settings');
  const start = await agent.post('/portal/settings/mfa/email/start', {});
  assert.equal(start.status, 200);
  const enableCode = await emailedCode(email);

  const wrong = await agent.post('/portal/settings/mfa/email', { code: enableCode === '000000' ? '111111' : '000000' });
  assert.equal(wrong.status, 400);
  assert.equal((await accountRow(account)).mfa_method, null);

  const on = await agent.post('/portal/settings/mfa/email', { code: enableCode });
  assert.equal(on.status, 200, errorOf(on));
  assert.equal(recoveryCodesOn(on.body).length, 10);
  assert.equal((await accountRow(account)).mfa_method, 'email');
  assert.match((await takeMail(email, /MFA was turned on/)).text, /email verification codes was turned on/);
  assert.equal((await auditEvents(account)).filter((e) => e.event === 'mfa.enabled').at(-1)?.details.method, 'email');

  const browser = await challenged(account, { ip: '10.8.0.2' });
  const page = await browser.get('/portal/sign-in/verify');
  assert.match(page.body, /We emailed a 6-digit verification code to e•••@example\.com/);
  const code = await emailedCode(email);
  const ok = await verify(browser, code);
  assert.equal(ok.status, 303, errorOf(ok));
  assert.ok(await signedIn(browser));
  assert.equal((await auditEvents(account)).filter((e) => e.event === 'sign_in.succeeded').at(-1)?.details.secondStep, 'email');

  // The code was spent; a later sign-in gets a new one.
  portal.clock.advance(MINUTE + SECOND);
  const later = await challenged(account, { ip: '10.8.0.2' });
  assert.equal((await verify(later, code)).status, 401);
  const laterCode = await emailedCode(email);
  assert.equal((await verify(later, laterCode)).status, 303);
});

/** Registers an account and turns on emailed codes for it; returns the signed-in agent. */

test('email codes: five wrong tries spend the code', async () => {
  const account = '880000000009';
  const email = 'email-tries@example.com';
  await emailMfaAccount(account, email, '10.9.0.1');
  portal.clock.advance(MINUTE + SECOND);

  const browser = await challenged(account, { ip: '10.9.0.2' });
  const code = await emailedCode(email);
  const wrongCode = code === '000000' ? '111111' : '000000';
  for (let i = 1; i <= 5; i++) {
    const response = await verify(browser, wrongCode);
    assert.equal(response.status, 401, `wrong ${i}`);
    if (i < 5) assert.match(errorOf(response) ?? '', /That code is not correct/);
    else assert.match(errorOf(response) ?? '', /can no longer be used/);
  }
  // Past the short wait the wrong tries earned, the right code no longer works.
  portal.clock.advance(SECOND);
  const spent = await verify(browser, code);
  assert.equal(spent.status, 401);
  assert.match(errorOf(spent) ?? '', /can no longer be used/);
  assert.equal(browser.cookie('ws_session'), undefined);
  const row = await portal.services.db.selectFrom('email_codes').select(['failed_attempts', 'used_at']).where('account_id', '=', (await accountRow(account)).id).where('purpose', '=', 'sign_in').orderBy('id', 'desc').executeTakeFirstOrThrow();
  assert.equal(row.failed_attempts, 5);
  assert.ok(row.used_at !== null);
});

test('email codes: resending waits a minute, then sends a new code and the old one stops working', async () => {
  const account = '880000000017';
  const email = 'email-resend@example.com';
  await emailMfaAccount(account, email, '10.17.0.1');
  portal.clock.advance(MINUTE + SECOND);

  const browser = await challenged(account, { ip: '10.17.0.2' });
  const codeA = await emailedCode(email);
  portal.clock.advance(20 * SECOND);
  const tooSoon = await browser.post('/portal/sign-in/verify/resend', {});
  assert.equal(tooSoon.status, 429);
  assert.match(tooSoon.body, /You can ask for another in 40 seconds/);
  await assertNoMail(email, CODE_EMAIL);

  portal.clock.advance(40 * SECOND);
  const resent = await browser.post('/portal/sign-in/verify/resend', {});
  assert.equal(resent.status, 200);
  assert.match(resent.body, /We have sent a new code/);
  const codeB = await emailedCode(email);
  if (codeA !== codeB) {
    const old = await verify(browser, codeA);
    assert.equal(old.status, 401, 'the replaced code no longer works');
  }
  const ok = await verify(browser, codeB);
  assert.equal(ok.status, 303, errorOf(ok));
  assert.ok(await signedIn(browser));
});

test('a second sign-in within a minute sends no new code and says the earlier one still works', async () => {
  const account = '880000000027';
  const email = 'email-recent@example.com';
  await emailMfaAccount(account, email, '10.27.0.1');
  portal.clock.advance(MINUTE + SECOND);

  await challenged(account, { ip: '10.27.0.2' });
  const code = await emailedCode(email);
  portal.clock.advance(10 * SECOND);
  const { agent: second, response } = await passwordStep(account, { ip: '10.27.0.3' });
  assert.equal(response.location, '/portal/sign-in/verify?notice=code-recent');
  const page = await second.get(response.location);
  assert.match(page.body, /less than a minute ago: use the code from that email/);
  await assertNoMail(email, CODE_EMAIL);
  const ok = await verify(second, code);
  assert.equal(ok.status, 303, errorOf(ok));
});

test('email codes expire after 10 minutes', async () => {
  const account = '880000000010';
  const email = 'email-expiry@example.com';
  const agent = await registeredAccount(portal, account, email, '10.10.0.1');
  await agent.get('/portal/settings');
  await agent.post('/portal/settings/mfa/email/start', {});
  const code = await emailedCode(email);
  portal.clock.advance(10 * MINUTE);
  const late = await agent.post('/portal/settings/mfa/email', { code });
  assert.equal(late.status, 400);
  assert.match(errorOf(late) ?? '', /That code has expired/);
  assert.equal((await accountRow(account)).mfa_method, null);

  // A new code (the resend limit has long passed) works.
  const again = await agent.post('/portal/settings/mfa/email/start', {});
  assert.equal(again.status, 200);
  portal.clock.advance(10 * MINUTE - SECOND);
  assert.equal((await agent.post('/portal/settings/mfa/email', { code: await emailedCode(email) })).status, 200, 'still good just before 10 minutes');
});

// ---------------------------------------------------------------------------------------------------------
// Turning MFA off

test('turning MFA off needs a current code; it ends other sessions, emails, and sign-in then needs only the password', async () => {
  const account = '880000000011';
  const email = 'mfa-off@example.com';
  const agent = await registeredAccount(portal, account, email, '10.11.0.1');
  const { secret } = await enableTotp(agent);
  await takeMail(email, /MFA was turned on/);

  const other = await challenged(account, { ip: '10.11.0.2' });
  assert.equal((await verify(other, nextTotp(secret))).status, 303);
  assert.ok(await signedIn(other));

  const page = await agent.get('/portal/settings/mfa/disable');
  assert.equal(page.status, 200);
  assert.match(page.body, /<label[^>]*for="field-code"[^>]*>Code from your authenticator app, or a recovery code/);
  const wrong = await agent.post('/portal/settings/mfa/disable', { code: wrongTotp(secret) });
  assert.equal(wrong.status, 400);
  assert.match(errorOf(wrong) ?? '', /That code is not correct/);
  assert.equal((await accountRow(account)).mfa_method, 'totp');
  assert.ok(await signedIn(other), 'a refused attempt ends nothing');
  // A replayed code (the one just used to sign in) is refused as well.
  assert.equal((await agent.post('/portal/settings/mfa/disable', { code: totpCodeAt(secret, portal.clock.now()) })).status, 400);

  const off = await agent.post('/portal/settings/mfa/disable', { code: nextTotp(secret) });
  assert.equal(off.status, 303, errorOf(off));
  assert.equal(off.location, '/portal/settings?notice=mfa-disabled');
  const row = await accountRow(account);
  assert.equal(row.mfa_method, null);
  assert.equal(row.totp_secret_enc, null);
  assert.ok(await signedIn(agent));
  assert.equal(await signedIn(other), false, 'other sessions end');
  assert.match((await takeMail(email, /MFA was turned off/)).text, /was turned off/);
  assert.equal((await auditEvents(account)).filter((e) => e.event === 'mfa.disabled').at(-1)?.details.method, 'totp');
  const codesLeft = await portal.services.db.selectFrom('mfa_recovery_codes').select('id').where('account_id', '=', row.id).execute();
  assert.equal(codesLeft.length, 0, 'the recovery codes go with it');

  const { response } = await passwordStep(account, { ip: '10.11.0.3' });
  assert.equal(response.status, 303);
  assert.equal(response.location, '/portal/entitlements', 'the password alone signs in now');
});

test('email MFA is turned off with an emailed step-up code', async () => {
  const account = '880000000012';
  const email = 'step-up@example.com';
  const agent = await registeredAccount(portal, account, email, '10.12.0.1');
  await agent.get('/portal/settings');
  await agent.post('/portal/settings/mfa/email/start', {});
  assert.equal((await agent.post('/portal/settings/mfa/email', { code: await emailedCode(email) })).status, 200);

  const page = await agent.get('/portal/settings/mfa/disable');
  assert.match(page.body, /Email me a code/);
  const sent = await agent.post('/portal/settings/mfa/step-up-code', { for: 'disable' });
  assert.equal(sent.status, 200);
  const code = await emailedCode(email);
  const tooSoon = await agent.post('/portal/settings/mfa/step-up-code', { for: 'disable' });
  assert.equal(tooSoon.status, 429);
  const off = await agent.post('/portal/settings/mfa/disable', { code });
  assert.equal(off.status, 303, errorOf(off));
  assert.equal((await accountRow(account)).mfa_method, null);
});

// ---------------------------------------------------------------------------------------------------------
// Password reset, new devices, CSRF

test('a password reset does not bypass MFA', async () => {
  const account = '880000000013';
  const email = 'reset-mfa@example.com';
  const agent = await registeredAccount(portal, account, email, '10.13.0.1');
  const { secret } = await enableTotp(agent);

  const forgot = new FormAgent(portal.app, portal.config.publicUrl.origin, '10.13.0.2');
  await forgot.get('/portal/forgot-password');
  assert.equal((await forgot.post('/portal/forgot-password', { accountId: account })).status, 303);
  const mail = await takeMail(email, /Reset your WebStream/);
  const link = new URL(linkIn(mail, `${portal.config.publicUrl.origin}/portal/reset-password?token=`));
  const reset = new FormAgent(portal.app, portal.config.publicUrl.origin, '10.13.0.2');
  assert.equal((await reset.get(link.pathname + link.search)).status, 200);
  const newPassword = 'Green-Teapot-77';
  const done = await reset.post('/portal/reset-password', { token: link.searchParams.get('token') ?? '', password: newPassword, passwordConfirm: newPassword });
  assert.equal(done.status, 303, errorOf(done));
  assert.equal(reset.cookie('ws_session'), undefined, 'a reset opens no session');
  assert.equal((await accountRow(account)).mfa_method, 'totp', 'MFA stays on');

  const browser = await challenged(account, { ip: '10.13.0.2', password: newPassword });
  assert.equal(await signedIn(browser), false);
  const ok = await verify(browser, nextTotp(secret));
  assert.equal(ok.status, 303, errorOf(ok));
  assert.ok(await signedIn(browser));
});

test('a sign-in waiting for its code cannot be finished once the password was reset, or MFA turned on, after its password step', async () => {
  const account = '880000000018';
  const email = 'pending-reset@example.com';
  const agent = await registeredAccount(portal, account, email, '10.18.0.1');
  const { secret } = await enableTotp(agent);

  // Someone passes the password step with the old password, then the owner resets it.
  portal.clock.advance(SECOND);
  const intruder = await challenged(account, { ip: '10.18.0.2' });
  portal.clock.advance(SECOND);
  const forgot = new FormAgent(portal.app, portal.config.publicUrl.origin, '10.18.0.3');
  await forgot.get('/portal/forgot-password');
  await forgot.post('/portal/forgot-password', { accountId: account });
  const link = new URL(linkIn(await takeMail(email, /Reset your WebStream/), `${portal.config.publicUrl.origin}/portal/reset-password?token=`));
  await forgot.get(link.pathname + link.search);
  const newPassword = 'Green-Teapot-78';
  assert.equal((await forgot.post('/portal/reset-password', { token: link.searchParams.get('token') ?? '', password: newPassword, passwordConfirm: newPassword })).status, 303);

  const late = await verify(intruder, nextTotp(secret));
  assert.equal(late.status, 401, 'the old password no longer opens anything');
  assert.equal(errorOf(late), TIMED_OUT);
  assert.equal(intruder.cookie('ws_session'), undefined);
  // The new password works as usual.
  const owner = await challenged(account, { ip: '10.18.0.3', password: newPassword });
  assert.equal((await verify(owner, nextTotp(secret))).status, 303);

  // A new-browser check started before MFA was turned on cannot be finished with the emailed code alone.
  const other = '880000000019';
  const otherEmail = 'pending-mfa@example.com';
  const otherAgent = await registeredAccount(portal, other, otherEmail, '10.18.0.4');
  await portal.services.settings.setVerifyNewDevices(true, portal.clock.now());
  try {
    portal.clock.advance(MINUTE + SECOND);
    const stranger = await challenged(other, { ip: '10.18.0.5' });
    const code = await emailedCode(otherEmail);
    portal.clock.advance(SECOND);
    await enableTotp(otherAgent);
    const bypass = await verify(stranger, code);
    assert.equal(bypass.status, 401, 'MFA is on now: the emailed new-device code is not enough');
    assert.equal(stranger.cookie('ws_session'), undefined);
  } finally {
    await portal.services.settings.setVerifyNewDevices(false, portal.clock.now());
  }
});

test('new-device check: an unknown browser confirms an emailed code, a known one goes straight in; forged cookies count as unknown', async () => {
  const account = '880000000014';
  const email = 'devices@example.com';
  await registeredAccount(portal, account, email, '10.14.0.1');
  await portal.services.settings.setVerifyNewDevices(true, portal.clock.now());
  try {
    portal.clock.advance(MINUTE + SECOND);
    const browser = await challenged(account, { ip: '10.14.0.2', next: '/portal/settings' });
    const page = await browser.get('/portal/sign-in/verify');
    assert.match(page.body, /a browser this account has not used before/);
    assert.match(page.body, /<label[^>]*for="field-code"[^>]*>Verification code/);
    assert.equal(await signedIn(browser), false);
    const code = await emailedCode(email);
    const ok = await verify(browser, code);
    assert.equal(ok.status, 303, errorOf(ok));
    assert.equal(ok.location, '/portal/settings');
    const device = browser.cookie('ws_device');
    assert.ok(device !== undefined);
    assert.ok((await auditEvents(account)).some((e) => e.event === 'new_device.verified'));

    // The same browser, signed out, signs in again with the password alone.
    await browser.post('/portal/sign-out', {});
    assert.equal(browser.cookie('ws_device'), device, 'the device cookie outlives the session');
    const known = await passwordStep(account, { agent: browser });
    assert.equal(known.response.status, 303);
    assert.equal(known.response.location, '/portal/entitlements');
    await assertNoMail(email, CODE_EMAIL);

    // Forged or garbled device cookies are unknown browsers.
    const [id = '', signature = ''] = device.split('.');
    const flipped = `${id}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    for (const forged of [flipped, `${'x'.repeat(43)}.${signature}`, 'garbage', `${device}x`, '']) {
      portal.clock.advance(MINUTE + SECOND);
      const stranger = new FormAgent(portal.app, portal.config.publicUrl.origin, '10.14.0.3');
      stranger.setCookie('ws_device', forged);
      const { response } = await passwordStep(account, { agent: stranger });
      assert.equal(response.location, '/portal/sign-in/verify', `device cookie ${JSON.stringify(forged)}`);
      await emailedCode(email);
    }

    // A device known to another account does not count for this one.
    const otherAccount = '880000000015';
    const otherAgent = await registeredAccount(portal, otherAccount, 'devices2@example.com', '10.14.0.4');
    const otherDevice = otherAgent.cookie('ws_device');
    assert.ok(otherDevice !== undefined);
    portal.clock.advance(MINUTE + SECOND);
    const crossed = new FormAgent(portal.app, portal.config.publicUrl.origin, '10.14.0.4');
    crossed.setCookie('ws_device', otherDevice);
    assert.equal((await passwordStep(account, { agent: crossed })).response.location, '/portal/sign-in/verify');
    await emailedCode(email);

    // Setting off: no check.
    await portal.services.settings.setVerifyNewDevices(false, portal.clock.now());
    const fresh = await passwordStep(account, { ip: '10.14.0.5' });
    assert.equal(fresh.response.location, '/portal/entitlements');
  } finally {
    await portal.services.settings.setVerifyNewDevices(false, portal.clock.now());
  }
});

test('the second step needs the CSRF token', async () => {
  const account = '880000000016';
  const agent = await registeredAccount(portal, account, undefined, '10.16.0.1');
  const { secret } = await enableTotp(agent);
  const browser = await challenged(account, { ip: '10.16.0.2' });
  const code = nextTotp(secret);

  const cookies = ['ws_signin', 'ws_csrf'].map((name) => `${name}=${browser.cookie(name) ?? ''}`).join('; ');
  const missing = await portal.app.inject({
    method: 'POST',
    url: '/portal/sign-in/verify',
    payload: new URLSearchParams({ code }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies, origin: portal.config.publicUrl.origin },
    remoteAddress: '10.16.0.2',
  });
  assert.equal(missing.statusCode, 403);
  assert.equal(missing.cookies.find((c) => c.name === 'ws_session'), undefined);
  const forged = await browser.post('/portal/sign-in/verify', { code, _csrf: 'forged-token' });
  assert.equal(forged.status, 403);
  assert.equal(browser.cookie('ws_session'), undefined);

  // The refused posts used nothing up: the code and the challenge still work.
  await browser.get('/portal/sign-in/verify');
  const ok = await verify(browser, code);
  assert.equal(ok.status, 303, errorOf(ok));
});
