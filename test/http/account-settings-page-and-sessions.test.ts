/**
 * Settings (DESIGN.md §2 "Sessions", issue 3): who may use the page and its forms (signed in, with the CSRF
 * token), what the page shows, and the active sessions: listing them, ending one, ending all others.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PASSWORD_RULES } from '../../src/accounts/password.policy.js';
import { hashToken } from '../../src/core/tokens.js';
import { registeredAccount } from '../support/accounts.js';
import { NEW_PASSWORD, settingsSteps } from '../support/account-settings.js';
import { FormAgent } from '../support/form-agent.js';
import { createTestPortal, GOOD_PASSWORD, type TestPortal } from '../support/test-portal.js';

const CHROME_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36';
const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0';

let portal: TestPortal;
before(async () => {
  portal = await createTestPortal();
});
after(() => portal.close());

const { signedIn, signInStatus, isSignedIn, auditEvents } = settingsSteps(() => portal);

async function sessionIdOf(agent: FormAgent): Promise<string> {
  const token = agent.cookie('ws_session');
  assert.ok(token !== undefined, 'the agent holds a session cookie');
  const row = await portal.services.db.selectFrom('portal_sessions').select('id').where('token_hash', '=', hashToken(token)).executeTakeFirstOrThrow();
  return row.id;
}

test('settings needs a signed-in customer: sign-in first, then back to Settings', async () => {
  const agent = new FormAgent(portal.app);
  const page = await agent.get('/portal/settings');
  assert.equal(page.status, 303);
  assert.equal(page.location, '/portal/sign-in?next=%2Fportal%2Fsettings');
  await agent.get('/portal/sign-in');
  for (const path of ['/portal/settings/password', '/portal/settings/email', '/portal/settings/sessions/end-others']) {
    const post = await agent.post(path, { currentPassword: 'x', newPassword: 'x', newPasswordConfirm: 'x', newEmail: 'a@example.com', emailPassword: 'x' });
    assert.equal(post.status, 303, path);
    assert.equal(post.location, '/portal/sign-in', path);
  }
});

test('the page shows MFA, the password rules before typing, the contact email and this session; the top nav links to it', async () => {
  const agent = await registeredAccount(portal, '777700000001', 'show@example.com');
  const page = await agent.get('/portal/settings');
  assert.equal(page.status, 200);
  assert.match(page.headers['cache-control'] as string, /no-store/);
  assert.match(page.body, /<a href="\/portal\/settings" aria-current="page">Settings<\/a>/);
  for (const heading of ['Multi-factor authentication', 'Change password', 'Contact email', 'Active sessions']) assert.match(page.body, new RegExp(`<h2 id="[a-z-]+">${heading}</h2>`), heading);
  for (const rule of PASSWORD_RULES) assert.ok(page.body.includes(rule.replace(/'/g, '&#39;')), rule);
  assert.match(page.body, /aria-describedby="field-newPassword-hint"/);
  assert.match(page.body, /show@example\.com<\/strong> <span class="status status-pending">Not verified<\/span>/);
  assert.match(page.body, /<caption class="visually-hidden">Active sessions of your account<\/caption>/);
  assert.match(page.body, /<th scope="col">Device<\/th>/);
  assert.equal(page.body.match(/This session/g)?.length, 1);
  // The only session is this one: there is nothing to end.
  assert.doesNotMatch(page.body, /Sign out all other sessions/);
});

test('the session list shows each browser (device, address) and marks this one; token hashes never appear', async () => {
  await registeredAccount(portal, '777700000007', 'list@example.com');
  const chrome = await signedIn('777700000007', GOOD_PASSWORD, { userAgent: CHROME_LINUX, ip: '10.0.0.71' });
  await signedIn('777700000007', GOOD_PASSWORD, { userAgent: FIREFOX_WINDOWS, ip: '10.0.0.72' });
  const page = await chrome.get('/portal/settings');
  assert.equal(page.status, 200);
  assert.match(page.body, /Chrome 140 on Linux <span class="status status-active">This session<\/span>/);
  assert.match(page.body, /Firefox 128 on Windows 10/);
  assert.match(page.body, /Unknown browser/, 'the registration request sent no browser user agent');
  assert.match(page.body, /10\.0\.0\.72/);
  assert.equal(page.body.match(/This session/g)?.length, 1);
  assert.equal(page.body.match(/End session<span class="visually-hidden">/g)?.length, 2);
  assert.match(page.body, /Sign out all other sessions/);
  const hashes = await portal.services.db.selectFrom('portal_sessions').select(['id', 'token_hash']).execute();
  for (const { token_hash } of hashes) assert.ok(!page.body.includes(token_hash));
  assert.ok(!page.body.includes(`/portal/settings/sessions/${await sessionIdOf(chrome)}/end`), 'this session is not offered for ending');
});

test('ending one session signs that browser out; the others stay', async () => {
  const here = await registeredAccount(portal, '777700000008', 'end@example.com');
  const target = await signedIn('777700000008');
  const bystander = await signedIn('777700000008');
  await here.get('/portal/settings');
  const response = await here.post(`/portal/settings/sessions/${await sessionIdOf(target)}/end`, {});
  assert.equal(response.status, 303);
  assert.equal(response.location, '/portal/settings?notice=session-ended');
  assert.match((await here.get(response.location)).body, /That session has been signed out\./);
  assert.equal(await isSignedIn(target), false);
  assert.equal(await isSignedIn(bystander), true);
  assert.equal(await isSignedIn(here), true);
  assert.ok((await auditEvents('777700000008')).includes('session.ended'));
});

test('"sign out all other sessions" ends every other session and keeps this one', async () => {
  const here = await registeredAccount(portal, '777700000009', 'all@example.com');
  const others = [await signedIn('777700000009'), await signedIn('777700000009', GOOD_PASSWORD, { userAgent: CHROME_LINUX })];
  const unrelated = await registeredAccount(portal, '777700000010', 'unrelated@example.com');
  await here.get('/portal/settings');
  const response = await here.post('/portal/settings/sessions/end-others', {});
  assert.equal(response.status, 303);
  assert.equal(response.location, '/portal/settings?notice=sessions-ended');
  const page = await here.get(response.location);
  assert.match(page.body, /Every other session of your account has been signed out\./);
  assert.match(page.body, /No other browser is signed in to your account\./);
  for (const agent of others) assert.equal(await isSignedIn(agent), false);
  assert.equal(await isSignedIn(here), true);
  assert.equal(await isSignedIn(unrelated), true, 'another account is not touched');
  assert.ok((await auditEvents('777700000009')).includes('session.ended_others'));
});

test('ending this session by its id signs this browser out', async () => {
  const agent = await registeredAccount(portal, '777700000011', 'self@example.com');
  await agent.get('/portal/settings');
  const response = await agent.post(`/portal/settings/sessions/${await sessionIdOf(agent)}/end`, {});
  assert.equal(response.status, 303);
  assert.equal(response.location, '/portal/sign-in?notice=signed-out');
  assert.equal(agent.cookie('ws_session'), undefined, 'the cookie is cleared');
  assert.equal(await portal.services.db.selectFrom('portal_sessions').select('id').where('account_id', '=', (await portal.services.accounts.findByAwsAccountId('777700000011'))?.id ?? '').executeTakeFirst(), undefined);
});

test("another account's session id cannot be ended, and a malformed id is refused", async () => {
  const attacker = await registeredAccount(portal, '777700000012', 'attacker@example.com');
  const victim = await registeredAccount(portal, '777700000013', 'victim@example.com');
  await attacker.get('/portal/settings');
  const response = await attacker.post(`/portal/settings/sessions/${await sessionIdOf(victim)}/end`, {});
  assert.equal(response.status, 303);
  assert.equal(response.location, '/portal/settings?notice=session-not-found');
  assert.equal(await isSignedIn(victim), true);
  assert.equal((await attacker.post('/portal/settings/sessions/00000000-0000-4000-8000-000000000000/end', {})).location, '/portal/settings?notice=session-not-found');
  await attacker.get('/portal/settings');
  assert.equal((await attacker.post("/portal/settings/sessions/1' or '1'='1/end", {})).status, 400);
  await attacker.get('/portal/settings');
  assert.equal((await attacker.post(`/portal/settings/sessions/${hashToken(victim.cookie('ws_session') ?? '')}/end`, {})).status, 400, 'a token hash is not an id');
  assert.equal(await isSignedIn(victim), true);
});

test('every settings form is refused without its CSRF token, or with a forged one, and changes nothing', async () => {
  const agent = await registeredAccount(portal, '777700000014', 'csrf@example.com');
  const other = await signedIn('777700000014');
  await agent.get('/portal/settings');
  const forms: [string, Record<string, string>][] = [
    ['/portal/settings/password', { currentPassword: GOOD_PASSWORD, newPassword: NEW_PASSWORD, newPasswordConfirm: NEW_PASSWORD }],
    ['/portal/settings/email', { newEmail: 'csrf-new@example.com', emailPassword: GOOD_PASSWORD }],
    ['/portal/settings/sessions/end-others', {}],
    [`/portal/settings/sessions/${await sessionIdOf(other)}/end`, {}],
  ];
  const cookie = `ws_session=${agent.cookie('ws_session') ?? ''}; ws_csrf=${agent.cookie('ws_csrf') ?? ''}`;
  for (const [path, fields] of forms) {
    const missing = await portal.app.inject({
      method: 'POST',
      url: path,
      payload: new URLSearchParams(fields).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: portal.config.publicUrl.origin },
    });
    assert.equal(missing.statusCode, 403, `${path} without a token`);
    const forged = await agent.post(path, { ...fields, _csrf: 'forged-token' });
    assert.equal(forged.status, 403, `${path} with a forged token`);
  }
  assert.equal(await isSignedIn(other), true);
  assert.equal(await signInStatus('777700000014', GOOD_PASSWORD), 303);
  await portal.deliverMail();
  assert.ok(!portal.inbox.messages.some((m) => m.to.includes('csrf-new@example.com')));
});

