/**
 * The three contexts keep to themselves: the staff context (/admin) answers in its own layout and knows
 * nothing of customer sessions; the customer context's cross-site routes still need no CSRF token or
 * same-site origin; the probes stay JSON, outside every context.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fastifyCookie from '@fastify/cookie';
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import { requireStaff, staffContext } from '../../src/http/staff-context.js';
import { registeredAccount } from '../support/accounts.js';
import type { FormAgent } from '../support/form-agent.js';
import { createTestPortal, type TestPortal } from '../support/test-portal.js';

let portal: TestPortal;
let customer: FormAgent;
before(async () => {
  portal = await createTestPortal();
  customer = await registeredAccount(portal, '717100000001');
});
after(() => portal.close());

const sessionCookie = () => `ws_session=${customer.cookie('ws_session') ?? ''}`;

test('a path under /admin answers a 404 page in the admin layout, with the security headers', async () => {
  // (/admin itself is the admin panel's home: see test/http/admin-sign-in.test.ts.)
  for (const url of ['/admin/anything', '/admin/no-such-section/1?x=2', '/admin/nothing/here/']) {
    const response = await portal.app.inject({ method: 'GET', url });
    assert.equal(response.statusCode, 404, url);
    assert.match(String(response.headers['content-type']), /^text\/html/, url);
    assert.match(response.body, /<title>Page not found · WebStream Admin<\/title>/, url);
    assert.match(response.body, /<span class="brand-sub">Admin<\/span>/, url);
    assert.match(response.body, /<a href="\/admin">Go to the admin panel<\/a>/, url);
    assert.doesNotMatch(response.body, /Licence Portal<\/span>|My Entitlements/, `${url}: nothing of the portal's layout`);
    assert.match(String(response.headers['content-security-policy']), /default-src 'self'/, url);
    assert.equal(response.headers['x-frame-options'], 'DENY', url);
    assert.equal(response.headers['cache-control'], 'no-store', url);
    assert.equal(response.headers['set-cookie'], undefined, url);
  }
});

test('a customer session cookie grants nothing under /admin, and is left alone there', async () => {
  const response = await portal.app.inject({ method: 'GET', url: '/admin/anything', headers: { cookie: sessionCookie() } });
  assert.equal(response.statusCode, 404);
  assert.doesNotMatch(response.body, /account-chip|Sign out|7171-0000-0001/, 'no sign of the customer');
  assert.equal(response.headers['set-cookie'], undefined, 'no cookie set or cleared');
  // A form post there is refused like any other cross-context request: no CSRF token of the portal counts.
  const post = await portal.app.inject({ method: 'POST', url: '/admin/anything', headers: { cookie: sessionCookie(), 'content-type': 'application/x-www-form-urlencoded', origin: portal.config.publicUrl.origin }, payload: `_csrf=${customer.csrfToken ?? ''}` });
  assert.ok(post.statusCode === 403 || post.statusCode === 404, String(post.statusCode));
  assert.match(post.body, /WebStream Admin/);
  // The session is untouched: the portal still knows the customer.
  assert.equal((await customer.get('/portal/entitlements')).status, 200);
});

test('the staff context: a page behind requireStaff refuses a customer session; its session slot decides', async () => {
  const adminRoutes: FastifyPluginAsyncTypebox = async (app) => {
    app.get('/licences', { preHandler: requireStaff }, async (req) => ({ staff: req.staffSession?.staffId }));
  };
  const settings = { publicUrl: new URL('http://127.0.0.1:3000'), secureCookies: false, csrf: { cookieName: 'ws_admin_csrf', hmacKey: Buffer.alloc(32, 1) } };
  const build = async (resolveStaffSession?: Parameters<typeof staffContext>[0]['resolveStaffSession']) => {
    const app = Fastify().withTypeProvider<TypeBoxTypeProvider>();
    await app.register(fastifyCookie);
    await app.register(staffContext({ ...settings, routes: [adminRoutes], ...(resolveStaffSession === undefined ? {} : { resolveStaffSession }) }), { prefix: '/admin' });
    return app;
  };
  const empty = await build();
  const refused = await empty.inject({ method: 'GET', url: '/admin/licences', headers: { cookie: sessionCookie() } });
  assert.equal(refused.statusCode, 401);
  assert.match(refused.body, /WebStream Admin/);
  assert.match(refused.body, /Sign in to the admin panel/);
  await empty.close();

  const withStaff = await build(async (req) => (req.cookies.ws_staff === 'good' ? { staffId: 'staff-1', email: 'staff-1@example.com', role: 'admin' } : undefined));
  assert.equal((await withStaff.inject({ method: 'GET', url: '/admin/licences', headers: { cookie: sessionCookie() } })).statusCode, 401, 'a customer cookie is still nothing');
  const allowed = await withStaff.inject({ method: 'GET', url: '/admin/licences', headers: { cookie: 'ws_staff=good' } });
  assert.equal(allowed.statusCode, 200);
  assert.deepEqual(JSON.parse(allowed.body), { staff: 'staff-1' });
  await withStaff.close();
});

test("the customer context's cross-site routes need no CSRF token or same-site origin", async () => {
  const crossSite = { origin: 'https://aws.amazon.com', 'sec-fetch-site': 'cross-site', 'content-type': 'application/x-www-form-urlencoded' };
  const landing = await portal.app.inject({ method: 'POST', url: '/marketplace/landing', headers: crossSite, payload: 'x-amzn-marketplace-token=' });
  assert.notEqual(landing.statusCode, 403, landing.body.slice(0, 300));
  assert.doesNotMatch(landing.body, /Form expired|sent from another site/);
  const sns = await portal.app.inject({ method: 'POST', url: '/marketplace/sns', headers: { ...crossSite, 'content-type': 'application/json' }, payload: '{}' });
  assert.doesNotMatch(sns.body, /Form expired|sent from another site/);
  // Every other post from another site is refused, as before.
  const forged = await portal.app.inject({ method: 'POST', url: '/portal/sign-in', headers: crossSite, payload: 'accountId=717100000001&password=x' });
  assert.equal(forged.statusCode, 403);
});

test('the portal layout is unchanged: a signed-in page shows the portal navigation', async () => {
  const page = await customer.get('/portal/entitlements');
  assert.match(page.body, /<title>My Entitlements · WebStream Licence Portal<\/title>/);
  assert.match(page.body, /<a class="brand" href="\/portal\/entitlements">/);
  assert.match(page.body, /<nav class="topnav" aria-label="Account"><a href="\/portal\/entitlements" aria-current="page">My Entitlements<\/a><a href="\/portal\/settings">Settings<\/a><span class="account-chip" title="Signed in AWS account">7171-0000-0001<\/span><form method="post" action="\/portal\/sign-out" class="inline-form">/);
  const signedOut = await portal.app.inject({ method: 'GET', url: '/portal/sign-in' });
  assert.match(signedOut.body, /<a class="brand" href="\/portal\/sign-in">/);
  assert.doesNotMatch(signedOut.body, /topnav/);
});

test('the probes stay JSON outside every context, and set no cookie', async () => {
  for (const url of ['/healthz', '/readyz']) {
    const response = await portal.app.inject({ method: 'GET', url, headers: { cookie: sessionCookie() } });
    assert.equal(response.statusCode, 200, url);
    assert.match(String(response.headers['content-type']), /^application\/json/, url);
    assert.equal(response.headers['set-cookie'], undefined, url);
  }
});
