import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { errorsOn, FormAgent } from '../support/form-agent.js';
import { linkIn } from '../support/smtp.js';
import { createTestPortal, GOOD_PASSWORD, issueLicence, type TestPortal } from '../support/test-portal.js';

let portal: TestPortal;
before(async () => {
  portal = await createTestPortal();
});
after(() => portal.close());

async function register(agent: FormAgent, fields: Partial<Record<'accountId' | 'email' | 'password' | 'passwordConfirm', string>>) {
  await agent.get('/portal/register');
  return agent.post('/portal/register', { accountId: '', email: 'ops@example.com', password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD, ...fields });
}

const accountCount = async () => Number((await portal.services.db.selectFrom('portal_accounts').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

test('the register page shows the password rules before anything is typed', async () => {
  const page = await new FormAgent(portal.app).get('/portal/register');
  assert.equal(page.status, 200);
  for (const rule of ['8 to 128 characters', 'an uppercase letter', 'not a commonly used', 'must not contain your AWS account ID']) assert.ok(page.body.includes(rule), rule);
  assert.match(page.body, /<label for="field-password">/);
});

test('registering without a licence is refused with a way to get one, and writes nothing', async () => {
  const before = await accountCount();
  const response = await register(new FormAgent(portal.app), { accountId: '2222-0000-0001' });
  assert.equal(response.status, 403);
  assert.match(response.body, /could not find a WebStream licence for AWS account 2222-0000-0001/);
  assert.match(response.body, /AWS Marketplace/);
  assert.equal(await accountCount(), before);
});

test('a revoked licence does not entitle an account to register', async () => {
  const licence = await issueLicence(portal, '222200000002');
  await portal.services.licences.transition(licence.id, { action: 'revoke' }, { actor: 'test', reason: 'test' });
  const response = await register(new FormAgent(portal.app), { accountId: '222200000002' });
  assert.equal(response.status, 403);
});

test('every broken rule is shown at once beside its field, and the typed values are kept (not the password)', async () => {
  await issueLicence(portal, '222200000003');
  const response = await register(new FormAgent(portal.app), { accountId: '2222 0000 0003', email: 'not-an-email', password: 'abc', passwordConfirm: 'abd' });
  assert.equal(response.status, 400);
  const errors = errorsOn(response.body);
  for (const expected of ['Use at least 8 characters.', 'Add an uppercase letter.', 'Add a digit.', 'Enter an email address like name@example.com.', 'The two passwords do not match.']) {
    assert.ok(errors.includes(expected), `${expected} in ${errors.join(' | ')}`);
  }
  assert.match(response.body, /value="2222 0000 0003"/);
  assert.match(response.body, /value="not-an-email"/);
  assert.doesNotMatch(response.body, /value="abc"/);
  assert.match(response.body, /aria-invalid="true"/);
});

test('bad AWS account IDs get a clear message', async () => {
  const response = await register(new FormAgent(portal.app), { accountId: '1234-5678' });
  assert.equal(response.status, 400);
  assert.ok(errorsOn(response.body).some((e) => e.includes('exactly 12 digits; this one has 8')));
});

test('a password containing the account ID, or a common one, is refused', async () => {
  await issueLicence(portal, '222200000004');
  const withId = await register(new FormAgent(portal.app), { accountId: '222200000004', password: 'Xy!222200000004', passwordConfirm: 'Xy!222200000004' });
  assert.ok(errorsOn(withId.body).includes('Do not include your AWS account ID in the password.'));
  const common = await register(new FormAgent(portal.app), { accountId: '222200000004', password: 'Password1!', passwordConfirm: 'Password1!' });
  assert.ok(errorsOn(common.body).some((e) => e.includes('commonly used')));
});

test('success signs in, lands on My Entitlements, and emails a verification link that works once', async () => {
  await issueLicence(portal, '222200000005', { plan: 'enterprise', seats: 7 });
  const agent = new FormAgent(portal.app);
  const response = await register(agent, { accountId: '2222-0000-0005', email: 'buyer@example.com' });
  assert.equal(response.status, 303);
  assert.equal(response.location, '/portal/entitlements?notice=welcome');
  assert.ok(agent.cookie('ws_session'));

  const page = await agent.get(response.location);
  assert.equal(page.status, 200);
  assert.match(page.body, /Welcome! Your portal account is ready/);
  assert.match(page.body, /enterprise/);
  assert.match(page.body, /0 \/ 7/);

  await portal.deliverMail();
  const mail = await portal.inbox.waitFor('buyer@example.com', /verify your email/);
  const link = linkIn(mail, `${portal.config.publicUrl.origin}/portal/verify-email?token=`);
  const path = new URL(link).pathname + new URL(link).search;

  // Opening the link changes nothing (no state change on GET): it shows a confirm button.
  const confirmPage = await agent.get(path);
  assert.equal(confirmPage.status, 200);
  assert.match(confirmPage.body, /buyer@example.com/);
  let account = await portal.services.accounts.findByAwsAccountId('222200000005');
  assert.equal(account?.email_verified_at, null);

  const token = new URL(link).searchParams.get('token') ?? '';
  const confirmed = await agent.post('/portal/verify-email', { token });
  assert.equal(confirmed.status, 303);
  account = await portal.services.accounts.findByAwsAccountId('222200000005');
  assert.ok(account?.email_verified_at instanceof Date);

  const again = await agent.post('/portal/verify-email', { token });
  assert.equal(again.status, 400);
  assert.match(again.body, /invalid, has expired or has already been used/);
});

test('a second portal account for the same AWS account ID is refused', async () => {
  await issueLicence(portal, '222200000006');
  assert.equal((await register(new FormAgent(portal.app), { accountId: '222200000006' })).status, 303);
  const duplicate = await register(new FormAgent(portal.app), { accountId: '2222-0000-0006', email: 'other@example.com' });
  assert.equal(duplicate.status, 409);
  assert.match(duplicate.body, /already exists/);
});

test('two registrations racing for one AWS account ID: the database lets exactly one through', async () => {
  await issueLicence(portal, '222200000007');
  const agents = [new FormAgent(portal.app), new FormAgent(portal.app), new FormAgent(portal.app)];
  for (const agent of agents) await agent.get('/portal/register');
  const results = await Promise.all(
    agents.map((agent, i) => agent.post('/portal/register', { accountId: '222200000007', email: `race${i}@example.com`, password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD })),
  );
  assert.deepEqual(results.map((r) => r.status).sort(), [303, 409, 409]);
  const rows = await portal.services.db.selectFrom('portal_accounts').select('id').where('aws_account_id', '=', '222200000007').execute();
  assert.equal(rows.length, 1);
});

test('registration is audited', async () => {
  const events = await portal.services.db.selectFrom('audit_events').select(['event', 'aws_account_id']).where('event', '=', 'account.registered').execute();
  assert.ok(events.some((e) => e.aws_account_id === '222200000005'));
});
