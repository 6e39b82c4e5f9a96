/**
 * MFA with an authenticator app (DESIGN.md §2 "MFA"): turning it on, the key stored encrypted, the second
 * sign-in step (codes once, clock drift, throttling, expiry) and recovery codes.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { totpCodeAt } from '../../src/mfa/totp.js';
import { registeredAccount } from '../support/accounts.js';
import { FormAgent } from '../support/form-agent.js';
import { SECOND, MINUTE, STEP, TIMED_OUT, mfaHelpers } from '../support/mfa.js';
import { createTestPortal, type TestPortal } from '../support/test-portal.js';

let portal: TestPortal;
before(async () => {
  portal = await createTestPortal();
});
after(() => portal.close());

const { errorOf, takeMail, emailedCode, nextTotp, wrongTotp, recoveryCodesOn, startTotp, enableTotp, passwordStep, challenged, verify, accountRow, auditEvents, signedIn, challengedOrSignedIn } = mfaHelpers(() => portal);

test('turning on the authenticator app: a wrong code leaves MFA off; the right one turns it on, shows 10 recovery codes, emails, audits and ends other sessions', async () => {
  const account = '880000000001';
  const email = 'totp-on@example.com';
  const agent = await registeredAccount(portal, account, email, '10.1.0.1');
  const other = await challengedOrSignedIn(account, '10.1.0.2');
  assert.ok(await signedIn(other), 'a second session before MFA');

  const secret = await startTotp(agent);
  const wrong = await agent.post('/portal/settings/mfa/totp', { code: wrongTotp(secret) });
  assert.equal(wrong.status, 400);
  assert.match(errorOf(wrong) ?? '', /That code is not correct/);
  assert.equal((await accountRow(account)).mfa_method, null, 'a wrong code does not turn MFA on');
  assert.match((await agent.get('/portal/settings')).body, /MFA is off/);
  assert.ok(await signedIn(other), 'a wrong code ends no session');

  const right = await agent.post('/portal/settings/mfa/totp', { code: totpCodeAt(secret, portal.clock.now()) });
  assert.equal(right.status, 200, errorOf(right));
  const codes = recoveryCodesOn(right.body);
  assert.equal(codes.length, 10);
  assert.equal(new Set(codes).size, 10);
  for (const code of codes) assert.match(code, /^[a-z2-9]{5}-[a-z2-9]{5}$/);

  const row = await accountRow(account);
  assert.equal(row.mfa_method, 'totp');
  assert.ok(row.mfa_enabled_at !== null);
  assert.equal(row.pending_totp_secret_enc, null, 'the pending key is gone once confirmed');
  assert.match((await agent.get('/portal/settings')).body, /MFA is on: authenticator app.*10 of 10 recovery codes left/s);

  assert.ok(await signedIn(agent), 'the session that turned MFA on goes on');
  assert.equal(await signedIn(other), false, 'every other session was signed out');

  const mail = await takeMail(email, /MFA was turned on/);
  assert.match(mail.text, /authenticator app was turned on/);
  assert.match(mail.text, /8800-0000-0001/);

  const events = await auditEvents(account);
  const enabled = events.filter((e) => e.event === 'mfa.enabled');
  assert.equal(enabled.length, 1);
  assert.equal(enabled[0]?.details.method, 'totp');

  // The set-up page is gone now that MFA is on; starting again is refused.
  assert.equal((await agent.get('/portal/settings')).status, 200);
  const again = await agent.post('/portal/settings/mfa/totp/start', {});
  assert.equal(again.location, '/portal/settings?notice=mfa-already-on');
});

/** A password-only sign-in (the account has no MFA yet). */

test('the authenticator key is stored encrypted: the base32 key appears nowhere in the database', async () => {
  const account = '880000000002';
  const agent = await registeredAccount(portal, account, undefined, '10.2.0.1');
  const pendingSecret = await startTotp(agent);
  const secretIn = async (secret: string) => {
    const row = await sql<{ t: string }>`select a::text as t from portal_accounts a where aws_account_id = ${account}`.execute(portal.services.db);
    const text = row.rows[0]?.t ?? '';
    assert.ok(text.length > 0);
    return text.includes(secret) || text.toLowerCase().includes(secret.toLowerCase());
  };
  assert.equal(await secretIn(pendingSecret), false, 'the key being set up is encrypted too');
  assert.ok((await accountRow(account)).pending_totp_secret_enc?.startsWith('v1.'));

  // Starting again makes a new key.
  const secret = await startTotp(agent);
  assert.notEqual(secret, pendingSecret);
  const on = await agent.post('/portal/settings/mfa/totp', { code: totpCodeAt(secret, portal.clock.now()) });
  assert.equal(on.status, 200);
  assert.equal(await secretIn(secret), false);
  assert.ok((await accountRow(account)).totp_secret_enc?.startsWith('v1.'));

  // Nor in any other table (audit details, outbox, ...).
  const tables = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(portal.services.db);
  for (const { name } of tables.rows) {
    const found = await sql<{ n: string }>`select count(*) as n from ${sql.table(name)} x where x::text ilike ${`%${secret}%`}`.execute(portal.services.db);
    assert.equal(Number(found.rows[0]?.n), 0, `${name} holds the key`);
  }
});

test('sign-in with the app: the password alone opens nothing; the right code does, to the page first asked for', async () => {
  const account = '880000000003';
  const agent = await registeredAccount(portal, account, undefined, '10.3.0.1');
  const { secret } = await enableTotp(agent);

  const { agent: browser, response } = await passwordStep(account, { ip: '10.3.0.2', next: '/portal/settings' });
  assert.equal(response.status, 303);
  assert.equal(response.location, '/portal/sign-in/verify');
  assert.equal(browser.cookie('ws_session'), undefined, 'no session after the password alone');
  const setCookie = [response.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('ws_signin='));
  assert.ok(setCookie !== undefined);
  assert.match(setCookie, /Path=\/portal\/sign-in/);
  assert.match(setCookie, /HttpOnly/);
  assert.match(setCookie, /SameSite=Lax/);
  const expires = new Date(/Expires=([^;]+)/.exec(setCookie)?.[1] ?? '').getTime();
  assert.ok(Math.abs(expires - (portal.clock.now().getTime() + 5 * MINUTE)) < 2 * SECOND, 'the challenge cookie lives 5 minutes');

  // The challenge cookie is no session.
  const entitlements = await browser.get('/portal/entitlements');
  assert.equal(entitlements.status, 303);
  assert.equal(entitlements.location, '/portal/sign-in?next=%2Fportal%2Fentitlements');
  assert.equal((await browser.get('/portal/settings')).status, 303);

  const page = await browser.get('/portal/sign-in/verify');
  assert.equal(page.status, 200);
  assert.match(page.body, /Enter the 6-digit code your authenticator app shows for WebStream/);
  assert.match(page.body, /<label[^>]*for="field-code"[^>]*>Authentication code or recovery code/);

  const ok = await verify(browser, nextTotp(secret));
  assert.equal(ok.status, 303, errorOf(ok));
  assert.equal(ok.location, '/portal/settings', 'the same-site page first asked for');
  assert.ok(browser.cookie('ws_session') !== undefined);
  assert.ok(browser.cookie('ws_device') !== undefined);
  assert.equal(browser.cookie('ws_signin'), undefined, 'the challenge cookie is cleared');
  assert.ok(await signedIn(browser));
  const success = (await auditEvents(account)).filter((e) => e.event === 'sign_in.succeeded').at(-1);
  assert.equal(success?.details.secondStep, 'totp');

  // The challenge is spent: posting to it again starts over.
  const replayChallenge = await verify(browser, nextTotp(secret));
  assert.equal(replayChallenge.status, 401);
  assert.match(replayChallenge.body, new RegExp(TIMED_OUT));

  // An off-site return path is not followed after the second step either.
  const evil = await challenged(account, { ip: '10.3.0.3', next: 'https://evil.example/' });
  const landed = await verify(evil, nextTotp(secret));
  assert.equal(landed.location, '/portal/entitlements');
});

test('a code works once: the same code in a fresh sign-in within its window is refused', async () => {
  const account = '880000000004';
  const agent = await registeredAccount(portal, account, undefined, '10.4.0.1');
  const { secret } = await enableTotp(agent);

  const code = nextTotp(secret);
  const first = await challenged(account, { ip: '10.4.0.2' });
  assert.equal((await verify(first, code)).status, 303);

  portal.clock.advance(5 * SECOND);
  const second = await challenged(account, { ip: '10.4.0.2' });
  const replay = await verify(second, code);
  assert.equal(replay.status, 401);
  assert.match(errorOf(replay) ?? '', /already used/);
  assert.equal(second.cookie('ws_session'), undefined);
  // The code of the step before (still inside the ±1 window) is refused too.
  const previous = await verify(second, totpCodeAt(secret, new Date(portal.clock.now().getTime() - STEP)));
  assert.equal(previous.status, 401);

  // The next code works, in the same challenge.
  const next = await verify(second, nextTotp(secret));
  assert.equal(next.status, 303, errorOf(next));
  assert.ok(await signedIn(second));
});

test('clock drift of one step either way is allowed, two steps are not; racing posts of one code open one session', async () => {
  const account = '880000000020';
  const agent = await registeredAccount(portal, account, undefined, '10.20.0.1');
  const { secret } = await enableTotp(agent);
  const at = (steps: number) => totpCodeAt(secret, new Date(portal.clock.now().getTime() + steps * STEP));

  portal.clock.advance(3 * STEP);
  const browser = await challenged(account, { ip: '10.20.0.2' });
  assert.equal((await verify(browser, at(-2))).status, 401, 'two steps behind');
  assert.equal((await verify(browser, at(2))).status, 401, 'two steps ahead');
  assert.equal((await verify(browser, at(-1))).status, 303, 'one step behind');

  portal.clock.advance(3 * STEP);
  const ahead = await challenged(account, { ip: '10.20.0.2' });
  assert.equal((await verify(ahead, at(1))).status, 303, 'one step ahead');

  // Two tabs of one sign-in, and two sign-ins, post the same good code at once: one session in all.
  portal.clock.advance(3 * STEP);
  const tabs = await challenged(account, { ip: '10.20.0.3' });
  const elsewhere = await challenged(account, { ip: '10.20.0.4' });
  const code = at(0);
  const results = await Promise.all([verify(tabs, code), verify(tabs, code), verify(elsewhere, code)]);
  assert.deepEqual(results.map((r) => r.status).sort(), [303, 401, 401]);

  // The same recovery code raced in two sign-ins works once.
  const renewed = await agent.post('/portal/settings/mfa/recovery-codes', { code: nextTotp(secret) });
  assert.equal(renewed.status, 200, errorOf(renewed));
  const recoveryCode = recoveryCodesOn(renewed.body)[0] ?? '';
  const one = await challenged(account, { ip: '10.20.0.5' });
  const two = await challenged(account, { ip: '10.20.0.6' });
  const raced = await Promise.all([verify(one, recoveryCode), verify(two, recoveryCode)]);
  assert.deepEqual(raced.map((r) => r.status).sort(), [303, 401]);
});

test('recovery codes and emailed codes are stored only as hashes', async () => {
  const account = '880000000021';
  const email = 'hashes@example.com';
  const agent = await registeredAccount(portal, account, email, '10.21.0.1');
  const { recoveryCodes } = await enableTotp(agent);
  const id = (await accountRow(account)).id;
  const stored = await sql<{ t: string }>`select r::text as t from mfa_recovery_codes r where account_id = ${id}`.execute(portal.services.db);
  assert.equal(stored.rows.length, 10);
  for (const code of recoveryCodes) {
    for (const form of [code, code.replace('-', '')]) assert.ok(!stored.rows.some((r) => r.t.includes(form)), 'a recovery code in clear');
  }

  const other = '880000000022';
  const otherEmail = 'hashes2@example.com';
  const otherAgent = await registeredAccount(portal, other, otherEmail, '10.21.0.2');
  await otherAgent.get('/portal/settings');
  await otherAgent.post('/portal/settings/mfa/email/start', {});
  const code = await emailedCode(otherEmail);
  const codes = await sql<{ t: string }>`select e::text as t from email_codes e join portal_accounts a on a.id = e.account_id where a.aws_account_id = ${other}`.execute(portal.services.db);
  assert.equal(codes.rows.length, 1);
  assert.ok(!(codes.rows[0]?.t ?? '').match(new RegExp(`[^0-9a-f]${code}[^0-9a-f]`)), 'the emailed code in clear');
});

test('wrong codes are throttled: after 5, the 6th attempt waits even with the right code; after the wait it works', async () => {
  const account = '880000000005';
  const agent = await registeredAccount(portal, account, undefined, '10.5.0.1');
  const { secret } = await enableTotp(agent);
  portal.clock.advance(STEP);

  const browser = await challenged(account, { ip: '10.5.0.2' });
  for (let i = 0; i < 5; i++) {
    const response = await verify(browser, wrongTotp(secret));
    assert.equal(response.status, 401, `wrong code ${i + 1}`);
    assert.match(errorOf(response) ?? '', /That code is not correct/);
  }
  const locked = await verify(browser, totpCodeAt(secret, portal.clock.now()));
  assert.equal(locked.status, 429);
  assert.match(errorOf(locked) ?? '', /Too many/);
  assert.equal(browser.cookie('ws_session'), undefined);

  // A new sign-in does not reset the count for the code.
  const other = await challenged(account, { ip: '10.5.0.3' });
  assert.equal((await verify(other, totpCodeAt(secret, portal.clock.now()))).status, 429);

  portal.clock.advance(SECOND);
  const ok = await verify(browser, totpCodeAt(secret, portal.clock.now()));
  assert.equal(ok.status, 303, errorOf(ok));
  assert.ok(await signedIn(browser));
  // Failed codes and refusals while locked are audited under the AWS account ID, like failed passwords.
  const failures = (await auditEvents(account)).filter((e) => e.event === 'mfa.challenge_failed');
  assert.equal(failures.filter((e) => e.details.lockedUntil === undefined).length, 5);
  assert.equal(failures.filter((e) => typeof e.details.lockedUntil === 'string').length, 2);
});

test('the second step times out after 5 minutes and starts over', async () => {
  const account = '880000000006';
  const agent = await registeredAccount(portal, account, undefined, '10.6.0.1');
  const { secret } = await enableTotp(agent);

  const browser = await challenged(account, { ip: '10.6.0.2' });
  portal.clock.advance(5 * MINUTE - SECOND);
  assert.equal((await browser.get('/portal/sign-in/verify')).status, 200, 'still there just before 5 minutes');
  portal.clock.advance(SECOND);
  const page = await browser.get('/portal/sign-in/verify');
  assert.equal(page.status, 401);
  assert.equal(errorOf(page), TIMED_OUT);

  const late = await challenged(account, { ip: '10.6.0.3' });
  portal.clock.advance(5 * MINUTE + STEP);
  const response = await verify(late, totpCodeAt(secret, portal.clock.now()));
  assert.equal(response.status, 401);
  assert.equal(errorOf(response), TIMED_OUT);
  assert.match(response.body, /name="password"/, 'back to the password form');
  assert.equal(late.cookie('ws_session'), undefined);
  assert.equal(late.cookie('ws_signin'), undefined, 'the lapsed challenge cookie is cleared');

  // Without any challenge cookie the verify page starts over too.
  const fresh = new FormAgent(portal.app, portal.config.publicUrl.origin, '10.6.0.4');
  assert.equal((await fresh.get('/portal/sign-in/verify')).status, 401);
});

test('recovery codes: one signs in once; reusing it fails; new codes (with a current app code) replace the old set', async () => {
  const account = '880000000007';
  const email = 'recovery@example.com';
  const agent = await registeredAccount(portal, account, email, '10.7.0.1');
  const { secret, recoveryCodes } = await enableTotp(agent);
  const [first, second, third] = recoveryCodes;
  assert.ok(first !== undefined && second !== undefined && third !== undefined);

  const browser = await challenged(account, { ip: '10.7.0.2' });
  const used = await verify(browser, first);
  assert.equal(used.status, 303, errorOf(used));
  assert.ok(await signedIn(browser));
  assert.equal((await auditEvents(account)).filter((e) => e.event === 'sign_in.succeeded').at(-1)?.details.secondStep, 'recovery');
  assert.match((await agent.get('/portal/settings')).body, /9 of 10 recovery codes left/);

  const again = await challenged(account, { ip: '10.7.0.2' });
  const reuse = await verify(again, first);
  assert.equal(reuse.status, 401);
  assert.match(errorOf(reuse) ?? '', /recovery code is not valid, or it was already used/);
  // Typed in capitals without the dash, another code works.
  const typed = await verify(again, second.toUpperCase().replace('-', ''));
  assert.equal(typed.status, 303, errorOf(typed));

  // New recovery codes: a wrong code is refused and nothing changes; a current app code replaces the set.
  assert.equal((await agent.get('/portal/settings/mfa/recovery-codes')).status, 200);
  const refused = await agent.post('/portal/settings/mfa/recovery-codes', { code: wrongTotp(secret) });
  assert.equal(refused.status, 400);
  const renewed = await agent.post('/portal/settings/mfa/recovery-codes', { code: nextTotp(secret) });
  assert.equal(renewed.status, 200, errorOf(renewed));
  const fresh = recoveryCodesOn(renewed.body);
  assert.equal(fresh.length, 10);
  assert.ok(!fresh.includes(third));
  assert.match(renewed.body, /the old codes no longer work/);
  await takeMail(email, /New MFA recovery codes/);
  assert.ok((await auditEvents(account)).some((e) => e.event === 'mfa.recovery_codes_regenerated'));

  const old = await challenged(account, { ip: '10.7.0.3' });
  const stale = await verify(old, third);
  assert.equal(stale.status, 401, 'a code of the old set no longer works');
  const newCode = await verify(old, fresh[0] ?? '');
  assert.equal(newCode.status, 303, errorOf(newCode));
});

// ---------------------------------------------------------------------------------------------------------
// Emailed codes
