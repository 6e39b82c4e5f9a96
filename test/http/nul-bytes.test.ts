/**
 * Found by the route fuzzer (test/fuzz): PostgreSQL refuses NUL in text, and an email address passes its
 * check with one inside, so registering or changing the contact email with "a\u0000@example.com" answered
 * 500. Every NUL in a form, JSON body, query or path parameter is now refused at the edge with a 400 page.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { registeredAccount } from '../support/accounts.js';
import { FormAgent } from '../support/form-agent.js';
import { createTestPortal, GOOD_PASSWORD, issueLicence, type TestPortal } from '../support/test-portal.js';

let portal: TestPortal;
before(async () => {
  portal = await createTestPortal();
});
after(() => portal.close());

const NUL_REFUSED = /a character that is not allowed \(a null character\)/;
const accountCount = async (awsAccountId: string) => (await portal.services.db.selectFrom('portal_accounts').select('id').where('aws_account_id', '=', awsAccountId).execute()).length;

test('registering with a NUL in the email address gets a 400 page saying why, and creates no account', async () => {
  await issueLicence(portal, '240000000001');
  const agent = new FormAgent(portal.app, portal.config.publicUrl.origin);
  await agent.get('/portal/register');
  const response = await agent.post('/portal/register', { accountId: '240000000001', email: 'fuzz\u0000@example.com', password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD });
  assert.equal(response.status, 400);
  assert.match(response.body, NUL_REFUSED);
  assert.equal(await accountCount('240000000001'), 0);
});

test('changing the contact email to one with a NUL gets a 400 page, and the address stays', async () => {
  const agent = await registeredAccount(portal, '240000000002', 'before@example.com');
  await agent.get('/portal/settings');
  const response = await agent.post('/portal/settings/email', { newEmail: 'after\u0000@example.com', emailPassword: GOOD_PASSWORD });
  assert.equal(response.status, 400);
  assert.match(response.body, NUL_REFUSED);
  const row = await portal.services.db.selectFrom('portal_accounts').select('email').where('aws_account_id', '=', '240000000002').executeTakeFirstOrThrow();
  assert.equal(row.email, 'before@example.com');
});

test('a NUL in a JSON body, a query string or a path parameter is refused the same way', async () => {
  const agent = await registeredAccount(portal, '240000000003');
  await agent.get('/portal/settings');
  const cookie = ['ws_session', 'ws_csrf'].map((name) => `${name}=${agent.cookie(name) ?? ''}`).join('; ');
  const headers = { cookie, origin: portal.config.publicUrl.origin };
  const json = await portal.app.inject({ method: 'POST', url: '/portal/settings/email', headers, payload: { newEmail: 'x\u0000@example.com', emailPassword: GOOD_PASSWORD, _csrf: agent.csrfToken } });
  assert.equal(json.statusCode, 400);
  assert.match(json.body, NUL_REFUSED);
  const query = await agent.get('/portal/reset-password?token=a%00b');
  assert.equal(query.status, 400);
  assert.match(query.body, NUL_REFUSED);
  const param = await agent.post('/portal/settings/sessions/%00/end', {});
  assert.equal(param.status, 400);
});
