/**
 * Issue 3: MFA (DESIGN.md §2 "MFA", "New-device check"). Turning the authenticator app and emailed codes on
 * and off, the second sign-in step (codes, replay, throttling, expiry, recovery codes), and the check of
 * browsers an account has not used before. Codes are computed from the key the page shows, as an app would;
 * emailed codes are read from the real SMTP inbox.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { totpCodeAt } from '../../src/mfa/totp.js';
import { registeredAccount } from '../support/accounts.js';
import { errorsOn, FormAgent, type AgentResponse } from '../support/form-agent.js';
import { linkIn, type ReceivedMail } from '../support/smtp.js';
import { createTestPortal, GOOD_PASSWORD, type TestPortal } from '../support/test-portal.js';

let portal: TestPortal;
before(async () => {
  portal = await createTestPortal();
});
after(() => portal.close());

const SECOND = 1000;
const MINUTE = 60_000;
const STEP = 30_000;
const TIMED_OUT = 'This sign-in has timed out. Please sign in again.';
const CODE_EMAIL = /^Your WebStream verification code$/;

// ---------------------------------------------------------------------------------------------------------
// Helpers

/** The error summary of a page (the first of errorsOn). */
const errorOf = (response: AgentResponse) => errorsOn(response.body)[0];

/** Waits for a message to `to` whose subject matches and takes it out of the inbox (oldest first). */
async function takeMail(to: string, subject: RegExp): Promise<ReceivedMail> {
  await portal.deliverMail();
  const mail = await portal.inbox.waitFor(to, subject);
  portal.inbox.messages.splice(portal.inbox.messages.indexOf(mail), 1);
  return mail;
}

/** The 6-digit code of the next verification email to `to`. */
async function emailedCode(to: string): Promise<string> {
  const mail = await takeMail(to, CODE_EMAIL);
  const code = /^\s*(\d{6})\s*$/m.exec(mail.text)?.[1];
  assert.ok(code !== undefined, mail.text);
  return code;
}

/** After delivering, no message to `to` with a matching subject is in the inbox. */
async function assertNoMail(to: string, subject: RegExp): Promise<void> {
  await portal.deliverMail();
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(
    portal.inbox.messages.filter((m) => m.to.includes(to) && subject.test(m.subject)).map((m) => m.subject),
    [],
  );
}

/** The current code of an authenticator app holding `secret`, after moving to the next 30-second step. */
function nextTotp(secret: string): string {
  portal.clock.advance(STEP);
  return totpCodeAt(secret, portal.clock.now());
}

/** A 6-digit code that matches no step in the ±1 window around now. */
function wrongTotp(secret: string): string {
  const now = portal.clock.now().getTime();
  const valid = new Set([-1, 0, 1].map((d) => totpCodeAt(secret, new Date(now + d * STEP))));
  for (let n = 123456; ; n++) if (!valid.has(String(n))) return String(n);
}

function recoveryCodesOn(body: string): string[] {
  const list = /<ol class="recovery-codes"[^>]*>([\s\S]*?)<\/ol>/.exec(body)?.[1] ?? '';
  return [...list.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1] ?? '');
}

/** Starts authenticator set-up from Settings; returns the key the page shows, spaces removed. */
async function startTotp(agent: FormAgent): Promise<string> {
  assert.equal((await agent.get('/portal/settings')).status, 200);
  const start = await agent.post('/portal/settings/mfa/totp/start', {});
  assert.equal(start.status, 303);
  assert.equal(start.location, '/portal/settings/mfa/totp');
  const page = await agent.get('/portal/settings/mfa/totp');
  assert.equal(page.status, 200);
  const shown = /<code[^>]*id="totp-secret"[^>]*>([^<]+)<\/code>/.exec(page.body)?.[1];
  assert.ok(shown !== undefined, 'the key is shown as text');
  assert.match(shown.trim(), /^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/, 'grouped by four for typing');
  return shown.replace(/\s+/g, '');
}

/** Turns the authenticator app on for a signed-in agent; returns the key and the recovery codes shown. */
async function enableTotp(agent: FormAgent): Promise<{ secret: string; recoveryCodes: string[] }> {
  const secret = await startTotp(agent);
  const response = await agent.post('/portal/settings/mfa/totp', { code: totpCodeAt(secret, portal.clock.now()) });
  assert.equal(response.status, 200, errorOf(response));
  return { secret, recoveryCodes: recoveryCodesOn(response.body) };
}

/** The password step in `agent` (a fresh one unless given). */
async function passwordStep(accountId: string, options: { agent?: FormAgent; ip?: string; next?: string; password?: string } = {}) {
  const agent = options.agent ?? new FormAgent(portal.app, portal.config.publicUrl.origin, options.ip ?? '127.0.0.1');
  await agent.get('/portal/sign-in');
  const response = await agent.post('/portal/sign-in', { accountId, password: options.password ?? GOOD_PASSWORD, ...(options.next === undefined ? {} : { next: options.next }) });
  return { agent, response };
}

/** Password step that must lead to the second step. */
async function challenged(accountId: string, options: Parameters<typeof passwordStep>[1] = {}): Promise<FormAgent> {
  const { agent, response } = await passwordStep(accountId, options);
  assert.equal(response.status, 303, errorOf(response));
  assert.equal(response.location, '/portal/sign-in/verify');
  assert.equal((await agent.get('/portal/sign-in/verify')).status, 200);
  return agent;
}

const verify = (agent: FormAgent, code: string) => agent.post('/portal/sign-in/verify', { code });

async function accountRow(awsAccountId: string) {
  return portal.services.db.selectFrom('portal_accounts').selectAll().where('aws_account_id', '=', awsAccountId).executeTakeFirstOrThrow();
}

async function auditEvents(awsAccountId: string): Promise<{ event: string; details: Record<string, unknown> }[]> {
  return portal.services.db.selectFrom('audit_events').select(['event', 'details']).where('aws_account_id', '=', awsAccountId).orderBy('id').execute();
}

const signedIn = async (agent: FormAgent) => (await agent.get('/portal/entitlements')).status === 200;

// ---------------------------------------------------------------------------------------------------------
// Authenticator app

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
async function challengedOrSignedIn(accountId: string, ip: string): Promise<FormAgent> {
  const { agent, response } = await passwordStep(accountId, { ip });
  assert.equal(response.status, 303);
  assert.equal(response.location, '/portal/entitlements');
  return agent;
}

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
async function emailMfaAccount(account: string, email: string, ip: string): Promise<FormAgent> {
  const agent = await registeredAccount(portal, account, email, ip);
  await agent.get('/portal/settings');
  assert.equal((await agent.post('/portal/settings/mfa/email/start', {})).status, 200);
  assert.equal((await agent.post('/portal/settings/mfa/email', { code: await emailedCode(email) })).status, 200);
  await takeMail(email, /MFA was turned on/);
  return agent;
}

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
