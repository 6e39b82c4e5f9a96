import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { totpCodeAt } from '../../src/mfa/totp.js';
import { registeredAccount, signIn } from '../support/accounts.js';
import type { FormAgent } from '../support/form-agent.js';
import { createTestPortal, GOOD_PASSWORD, type TestPortal } from '../support/test-portal.js';

/** Return paths that went off-site in the penetration test, with their neighbours and encodings. */
const PAYLOADS = [
  '/.//evil.example/x',
  '/..//evil.example',
  '/a/..//evil.example',
  '/portal/../..//evil.example',
  '/portal/..//evil.example/x',
  '/portal/%2e%2e/%2e%2e//evil.example',
  '/portal/%2E%2E/%2E%2E//evil.example',
  '/portal/.%2e/%2e.//evil.example',
  '/%2e//evil.example',
  '/%2E//evil.example',
  '//evil.example/x',
  '/\\evil.example',
  'https://evil.example/',
  '/%09/evil.example',
  '/portal/%00/x',
  '/',
];

/** How each payload reaches the server in a query string: encoded once, as written, and encoded twice. */
function queryForms(payload: string): string[] {
  const once = encodeURIComponent(payload);
  const forms = [once, encodeURIComponent(once)];
  if (!/[\s#&+%\\]/.test(payload)) forms.push(payload);
  return forms;
}

function assertStaysOnPortal(location: string | undefined, what: string): void {
  assert.ok(location !== undefined, `${what}: a redirect`);
  assert.ok(location.startsWith('/portal/') && !location.startsWith('//'), `${what}: went to ${location}`);
  assert.equal(new URL(location, 'https://portal.example').origin, 'https://portal.example', `${what}: ${location}`);
}

const STEP = 30_000;
let portal: TestPortal;
let signedIn: FormAgent;
let totpSecret: string;
before(async () => {
  portal = await createTestPortal();
  signedIn = await registeredAccount(portal, '444400000001');
  // An account with an authenticator app, for the second step's return path.
  const mfaAgent = await registeredAccount(portal, '444400000002');
  await mfaAgent.get('/portal/settings');
  await mfaAgent.post('/portal/settings/mfa/totp/start', {});
  const page = await mfaAgent.get('/portal/settings/mfa/totp');
  totpSecret = (/<code[^>]*id="totp-secret"[^>]*>([^<]+)<\/code>/.exec(page.body)?.[1] ?? '').replace(/\s+/g, '');
  const on = await mfaAgent.post('/portal/settings/mfa/totp', { code: totpCodeAt(totpSecret, portal.clock.now()) });
  assert.equal(on.status, 200);
});
after(() => portal.close());

test('signed in, GET /portal/sign-in?next=… never redirects off the portal', async () => {
  for (const payload of PAYLOADS) {
    for (const query of queryForms(payload)) {
      const response = await signedIn.get(`/portal/sign-in?next=${query}`);
      assert.equal(response.status, 303, query);
      assertStaysOnPortal(response.location, `GET next=${query}`);
    }
  }
});

test('signed out, the sign-in form carries only a safe return path', async () => {
  const agent = (await signIn(portal, '444499999999', 'x')).agent;
  for (const payload of PAYLOADS) {
    const page = await agent.get(`/portal/sign-in?next=${encodeURIComponent(payload)}`);
    const hidden = /name="next" value="([^"]*)"/.exec(page.body)?.[1];
    if (hidden !== undefined) assertStaysOnPortal(hidden.replace(/&amp;/g, '&'), `form next for ${payload}`);
  }
});

test('POST /portal/sign-in with next=… never redirects off the portal', async () => {
  for (const payload of PAYLOADS) {
    const { response } = await signIn(portal, '444400000001', GOOD_PASSWORD, { next: payload });
    assert.equal(response.status, 303, payload);
    assertStaysOnPortal(response.location, `POST next=${payload}`);
  }
});

test('the MFA step returns only to portal paths', async () => {
  for (const payload of PAYLOADS) {
    const { agent, response } = await signIn(portal, '444400000002', GOOD_PASSWORD, { next: payload });
    assert.equal(response.location, '/portal/sign-in/verify', payload);
    await agent.get('/portal/sign-in/verify');
    portal.clock.advance(STEP); // each code is good once
    const verified = await agent.post('/portal/sign-in/verify', { code: totpCodeAt(totpSecret, portal.clock.now()) });
    assert.equal(verified.status, 303, payload);
    assertStaysOnPortal(verified.location, `MFA step next=${payload}`);
  }
});

test('a portal path given as next is still followed', async () => {
  const { response } = await signIn(portal, '444400000001', GOOD_PASSWORD, { next: '/portal/settings?tab=sessions' });
  assert.equal(response.location, '/portal/settings?tab=sessions');
});

test('a planted resume cookie never leads off the portal once a gate is passed', async () => {
  const agent = await registeredAccount(portal, '444400000003');
  for (const [index, payload] of PAYLOADS.entries()) {
    // Back on a one-time password, so the change-password gate is the one to pass.
    await portal.services.db.updateTable('portal_accounts').set({ must_change_password: true }).where('aws_account_id', '=', '444400000003').execute();
    agent.setCookie('ws_resume', payload);
    assert.equal((await agent.get('/portal/change-password')).status, 200, payload);
    const password = `Resume-Gate-Passphrase-${index}`;
    const changed = await agent.post('/portal/change-password', { newPassword: password, newPasswordConfirm: password });
    assert.equal(changed.status, 303, payload);
    assertStaysOnPortal(changed.location, `resume cookie ${payload}`);
  }
});
