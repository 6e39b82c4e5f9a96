import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { registeredAccount } from '../support/accounts.js';
import { FormAgent } from '../support/form-agent.js';
import { createTestPortal, GOOD_PASSWORD, type TestPortal } from '../support/test-portal.js';

let portal: TestPortal;
let https: TestPortal;
before(async () => {
  portal = await createTestPortal();
  https = await createTestPortal({ env: { PUBLIC_URL: 'https://portal.example.com' } });
});
after(async () => {
  await portal.close();
  await https.close();
});

test('security headers on every page', async () => {
  const response = await portal.app.inject({ method: 'GET', url: '/portal/sign-in' });
  const csp = String(response.headers['content-security-policy']);
  for (const directive of ["script-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "default-src 'self'"]) assert.ok(csp.includes(directive), directive);
  assert.ok(!csp.includes('unsafe-inline'));
  assert.equal(response.headers['x-content-type-options'], 'nosniff');
  assert.equal(response.headers['referrer-policy'], 'no-referrer');
  assert.equal(response.headers['x-frame-options'], 'DENY');
  assert.equal(response.headers['cache-control'], 'no-store');
  assert.equal(response.headers['strict-transport-security'], undefined, 'no HSTS on plain http');
  assert.doesNotMatch(response.body, /<script(?![^>]*\bsrc=)/, 'no inline script');
  // Not only pages: static files, error pages and JSON answers carry them too.
  for (const url of ['/assets/app.css', '/no-such-page', '/healthz']) {
    const other = await portal.app.inject({ method: 'GET', url });
    assert.equal(other.headers['content-security-policy'], response.headers['content-security-policy'], url);
    assert.equal(other.headers['x-content-type-options'], 'nosniff', url);
    assert.equal(other.headers['x-frame-options'], 'DENY', url);
  }
});

test('behind https: HSTS, and the session cookie is __Host- prefixed and Secure', async () => {
  const page = await https.app.inject({ method: 'GET', url: '/portal/sign-in' });
  assert.match(String(page.headers['strict-transport-security']), /max-age=31536000/);
  assert.match(String(page.headers['content-security-policy']), /upgrade-insecure-requests/);
  await registeredAccount(https, '777700000009');
  const agent = new FormAgent(https.app, 'https://portal.example.com');
  await agent.get('/portal/sign-in');
  const csrfCookie = agent.cookie('__Host-ws_csrf');
  assert.ok(csrfCookie !== undefined, 'the CSRF cookie is __Host- prefixed too');
  const response = await agent.post('/portal/sign-in', { accountId: '777700000009', password: GOOD_PASSWORD });
  const cookies = ([] as string[]).concat(response.headers['set-cookie'] ?? []);
  const session = cookies.find((c) => c.startsWith('__Host-ws_session='));
  assert.ok(session, cookies.join(' | '));
  assert.match(session, /; Secure/);
  assert.match(session, /; HttpOnly/);
  assert.match(session, /; SameSite=Lax/);
  assert.match(session, /; Path=\//);
  assert.doesNotMatch(session, /Domain=/);
});

/** What browsers require of prefixed cookies (RFC 6265bis): both need Secure; __Host- also Path=/ and no Domain. */
function assertPrefixRules(cookie: string): void {
  if (cookie.startsWith('__Host-') || cookie.startsWith('__Secure-')) assert.match(cookie, /; Secure/, cookie);
  if (cookie.startsWith('__Host-')) {
    assert.match(cookie, /; Path=\/(;|$)/, cookie);
    assert.doesNotMatch(cookie, /Domain=/i, cookie);
  }
}

test('behind https every cookie the sign-in steps set obeys its prefix rules (second step and device cookie included)', async () => {
  await registeredAccount(https, '777700000010');
  await https.services.settings.setVerifyNewDevices(true, https.clock.now());
  try {
    const agent = new FormAgent(https.app, 'https://portal.example.com');
    await agent.get('/portal/sign-in');
    const first = await agent.post('/portal/sign-in', { accountId: '777700000010', password: GOOD_PASSWORD });
    assert.equal(first.location, '/portal/sign-in/verify');
    const challengeCookies = ([] as string[]).concat(first.headers['set-cookie'] ?? []);
    const challenge = challengeCookies.find((c) => c.startsWith('__Secure-ws_signin='));
    assert.ok(challenge, challengeCookies.join(' | '));
    assert.match(challenge, /; Path=\/portal\/sign-in/);
    for (const cookie of challengeCookies) assertPrefixRules(cookie);

    await https.deliverMail();
    const mail = await https.inbox.waitFor('777700000010@example.com', /verification code/);
    const code = /^\s*(\d{6})\s*$/m.exec(mail.text)?.[1] ?? '';
    await agent.get('/portal/sign-in/verify');
    const done = await agent.post('/portal/sign-in/verify', { code });
    assert.equal(done.status, 303);
    const cookies = ([] as string[]).concat(done.headers['set-cookie'] ?? []);
    assert.ok(cookies.some((c) => c.startsWith('__Host-ws_session=')), cookies.join(' | '));
    assert.ok(cookies.some((c) => c.startsWith('__Host-ws_device=')), cookies.join(' | '));
    for (const cookie of cookies) assertPrefixRules(cookie);
  } finally {
    await https.services.settings.setVerifyNewDevices(false, https.clock.now());
  }
});

test('on plain http the cookie has no __Host- prefix (browsers would refuse it) but is HttpOnly and SameSite=Lax', async () => {
  await registeredAccount(portal, '777700000001');
  const agent = new FormAgent(portal.app);
  await agent.get('/portal/sign-in');
  const response = await agent.post('/portal/sign-in', { accountId: '777700000001', password: GOOD_PASSWORD });
  const session = ([] as string[]).concat(response.headers['set-cookie'] ?? []).find((c) => c.startsWith('ws_session='));
  assert.ok(session);
  assert.match(session, /HttpOnly; SameSite=Lax/);
  assert.doesNotMatch(session, /Secure/);
});

test('CSRF: a form post without the token, or with a forged one, is refused and changes nothing', async () => {
  const agent = await registeredAccount(portal, '777700000002');
  const before = await portal.services.db.selectFrom('portal_sessions').select('token_hash').execute();

  agent.csrfToken = undefined;
  const missing = await agent.post('/portal/sign-out', {});
  assert.equal(missing.status, 403);
  assert.match(missing.body, /form has expired or was not sent from the portal/);

  const forged = await agent.post('/portal/sign-out', { _csrf: 'forged-token' });
  assert.equal(forged.status, 403);

  // A token from another browser (its own CSRF cookie) does not fit this browser's cookie.
  const other = new FormAgent(portal.app);
  await other.get('/portal/sign-in');
  const crossed = await agent.post('/portal/sign-out', { _csrf: other.csrfToken ?? '' });
  assert.equal(crossed.status, 403);

  const after = await portal.services.db.selectFrom('portal_sessions').select('token_hash').execute();
  assert.equal(after.length, before.length);
  assert.equal((await agent.get('/portal/entitlements')).status, 200, 'still signed in');
});

test('CSRF: every state-changing form is protected', async () => {
  for (const url of ['/portal/sign-in', '/portal/register', '/portal/forgot-password', '/portal/reset-password', '/portal/verify-email', '/portal/sign-out']) {
    const response = await portal.app.inject({ method: 'POST', url, payload: 'accountId=123456789012', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(response.statusCode, 403, url);
  }
});

test('a post from another origin is refused even with a valid token', async () => {
  await registeredAccount(portal, '777700000003');
  const agent = new FormAgent(portal.app, 'https://evil.example');
  await agent.get('/portal/sign-in');
  const response = await agent.post('/portal/sign-in', { accountId: '777700000003', password: GOOD_PASSWORD });
  assert.equal(response.status, 403);
  assert.match(response.body, /sent from another site/);
  assert.equal(agent.cookie('ws_session'), undefined);
});

test('no state change on GET: sign-out and form actions do not answer GET', async () => {
  const agent = await registeredAccount(portal, '777700000004');
  const response = await agent.get('/portal/sign-out');
  assert.equal(response.status, 404);
  assert.equal((await agent.get('/portal/entitlements')).status, 200);
});

test('malformed input gets a clear 4xx page, never a stack trace', async () => {
  const agent = new FormAgent(portal.app);
  await agent.get('/portal/sign-in');
  const missingField = await agent.post('/portal/sign-in', { accountId: '123456789012' });
  assert.equal(missingField.status, 400);
  assert.match(missingField.body, /incomplete or not in the expected format/);
  const huge = await agent.post('/portal/sign-in', { accountId: '1'.repeat(100), password: 'x' });
  assert.equal(huge.status, 400);
  const json = await portal.app.inject({ method: 'POST', url: '/portal/sign-in', payload: '{"a":1}', headers: { 'content-type': 'application/json' } });
  assert.ok(json.statusCode >= 400 && json.statusCode < 500);
  assert.doesNotMatch(json.body, /at \w+ \(/);
});

test('unknown pages get a friendly 404', async () => {
  const response = await portal.app.inject({ method: 'GET', url: '/portal/nope' });
  assert.equal(response.statusCode, 404);
  assert.match(response.body, /Page not found/);
});

test('health and readiness', async () => {
  assert.deepEqual((await portal.app.inject('/healthz')).json(), { status: 'ok' });
  assert.deepEqual((await portal.app.inject('/readyz')).json(), { status: 'ready', database: 'ok' });
});

test('notices come from a fixed list: a link cannot put words on the page', async () => {
  const response = await portal.app.inject({ method: 'GET', url: '/portal/sign-in?notice=%3Cb%3EYour%20account%20is%20hacked%3C%2Fb%3E' });
  assert.equal(response.statusCode, 200);
  assert.doesNotMatch(response.body, /hacked/);
});

test('page content is escaped', async () => {
  const agent = new FormAgent(portal.app);
  await agent.get('/portal/register');
  const response = await agent.post('/portal/register', { accountId: '"><script>alert(1)</script>', email: '<img src=x onerror=alert(1)>', password: 'x', passwordConfirm: 'x' });
  assert.equal(response.status, 400);
  assert.doesNotMatch(response.body, /<script>alert|<img src=x/);
  assert.match(response.body, /&lt;img src=x onerror=alert\(1\)>/);
});

test('Fetch Metadata: a cross-site or same-site post is refused; a same-origin one with Origin "null" (no-referrer) is accepted', async () => {
  await registeredAccount(portal, '777700000005');
  const attempt = async (headers: Record<string, string>) => {
    const agent = new FormAgent(portal.app);
    await agent.get('/portal/sign-in');
    return (await agent.post('/portal/sign-in', { accountId: '777700000005', password: GOOD_PASSWORD }, headers)).status;
  };
  assert.equal(await attempt({ origin: 'null', 'sec-fetch-site': 'same-origin' }), 303, 'what Chromium sends for our own form under no-referrer');
  assert.equal(await attempt({ origin: 'null', 'sec-fetch-site': 'cross-site' }), 403);
  assert.equal(await attempt({ origin: 'null' }), 403, 'an opaque origin without Fetch Metadata is not trusted');
  assert.equal(await attempt({ 'sec-fetch-site': 'same-site' }), 403);
  assert.equal(await attempt({ origin: portal.config.publicUrl.origin, 'sec-fetch-site': 'cross-site' }), 403);
});
