/**
 * Issue 3: staff create a portal account with a one-time password; the customer signs in with it from the
 * email, must choose a new password before anything else, and the one-time password expires after 7 days.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { formatDate } from '../../src/web/format.js';
import { registeredAccount, signIn } from '../support/accounts.js';
import { errorsOn, FormAgent } from '../support/form-agent.js';
import { createTestPortal, issueLicence, type TestPortal } from '../support/test-portal.js';

let portal: TestPortal;
before(async () => {
  portal = await createTestPortal();
});
after(() => portal.close());

const DAY = 86_400_000;
const NEW_PASSWORD = 'Green-Teapot-73';
const EXPIRED = 'This one-time password has expired. Ask your WebStream contact for a new one.';
const SIGN_IN_FAILED = 'The AWS account ID or password is incorrect.';

/** A licensed AWS account whose portal account staff created; returns the password read from the delivered email. */
async function createdByStaff(awsAccountId: string, email = `${awsAccountId}@example.com`) {
  await issueLicence(portal, awsAccountId);
  const created = await portal.services.accountProvisioning.createWithOneTimePassword({ awsAccountId, email }, { actor: 'test-staff' });
  await portal.deliverMail();
  const mail = await portal.inbox.waitFor(email, /one-time password/);
  const password = /One-time password: (\S+)/.exec(mail.text)?.[1];
  assert.ok(password !== undefined, mail.text);
  return { created, mail, password };
}

const count = async (table: 'portal_accounts' | 'mail_outbox' | 'audit_events') => Number((await portal.services.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
const counts = async () => ({ accounts: await count('portal_accounts'), emails: await count('mail_outbox'), audit: await count('audit_events') });
const accountRow = (awsAccountId: string) => portal.services.db.selectFrom('portal_accounts').selectAll().where('aws_account_id', '=', awsAccountId).executeTakeFirstOrThrow();

test('the email carries the account ID, the one-time password, the sign-in link, the expiry and the must-change note', async () => {
  const now = portal.clock.now();
  const { created, mail, password } = await createdByStaff('777700000001', 'first@example.com');
  const expiresAt = new Date(now.getTime() + 7 * DAY);
  assert.deepEqual(created.oneTimePasswordExpiresAt, expiresAt);
  assert.equal(created.awsAccountId, '777700000001');

  assert.match(mail.text, /AWS account ID: 7777-0000-0001/);
  assert.ok(mail.text.includes(`Sign in at: ${portal.config.publicUrl.origin}/portal/sign-in`), mail.text);
  assert.ok(mail.text.includes(formatDate(expiresAt)), mail.text);
  assert.match(mail.text, /you must choose a new password/);
  assert.equal(password.length, 16);

  const row = await accountRow('777700000001');
  assert.equal(row.must_change_password, true);
  assert.deepEqual(row.one_time_password_expires_at, expiresAt);
  assert.equal(row.email, 'first@example.com');
  assert.ok(!row.password_hash.includes(password), 'only a hash is stored');
  const audit = await portal.services.db.selectFrom('audit_events').selectAll().where('event', '=', 'account.created_by_staff').where('aws_account_id', '=', '777700000001').execute();
  assert.equal(audit.length, 1);
  const [entry] = audit;
  assert.ok(entry !== undefined);
  assert.equal(entry.actor, 'test-staff');
  assert.ok(!JSON.stringify(entry.details).includes(password), 'the password is not in the audit log');
});

test('signing in with the one-time password allows nothing but choosing a new one; sign-out still works', async () => {
  const { password } = await createdByStaff('777700000002');
  const { agent, response } = await signIn(portal, '7777-0000-0002', password);
  assert.equal(response.status, 303);
  assert.equal(response.location, '/portal/entitlements');

  for (const page of ['/portal/entitlements', '/portal/entitlements?x=1', '/portal/settings']) {
    const visit = await agent.get(page);
    assert.equal(visit.status, 303, page);
    assert.equal(visit.location, '/portal/change-password', page);
  }
  const signInPage = await agent.get('/portal/sign-in');
  assert.equal(signInPage.location, '/portal/entitlements', 'a signed-in visitor is sent on, and from there to change the password');

  const change = await agent.get('/portal/change-password');
  assert.equal(change.status, 200, 'the change-password page itself is served');
  assert.match(change.body, /name="newPassword"/);

  const token = agent.cookie('ws_session') ?? '';
  const out = await agent.post('/portal/sign-out', {});
  assert.equal(out.status, 303);
  assert.equal(out.location, '/portal/sign-in?notice=signed-out');
  const replay = new FormAgent(portal.app);
  replay.setCookie('ws_session', token);
  assert.equal((await replay.get('/portal/entitlements')).location, '/portal/sign-in?next=%2Fportal%2Fentitlements', 'the session ended');
});

test('after the change the one-time password no longer works and the new password does', async () => {
  const { password } = await createdByStaff('777700000003');
  const { agent } = await signIn(portal, '777700000003', password);
  await agent.get('/portal/change-password');
  const changed = await agent.post('/portal/change-password', { newPassword: NEW_PASSWORD, newPasswordConfirm: NEW_PASSWORD });
  assert.equal(changed.status, 303, errorsOn(changed.body).join(' | '));
  assert.equal(changed.location, '/portal/entitlements?notice=password-set');
  assert.equal((await agent.get('/portal/entitlements')).status, 200, 'the portal opens once the password is changed');

  const row = await accountRow('777700000003');
  assert.equal(row.must_change_password, false);
  assert.equal(row.one_time_password_expires_at, null);

  const old = await signIn(portal, '777700000003', password);
  assert.equal(old.response.status, 401);
  assert.deepEqual(errorsOn(old.response.body), [SIGN_IN_FAILED]);
  const fresh = await signIn(portal, '777700000003', NEW_PASSWORD);
  assert.equal(fresh.response.status, 303);
  assert.equal((await fresh.agent.get('/portal/entitlements')).status, 200);
});

test('an expired one-time password is refused with a message saying so; a wrong one still gets the usual message', async () => {
  const start = portal.clock.now();
  try {
    const { password } = await createdByStaff('777700000004');
    portal.clock.advance(7 * DAY - 60_000);
    assert.equal((await signIn(portal, '777700000004', password)).response.status, 303, 'still valid a minute before expiry');

    portal.clock.advance(2 * 60_000);
    const late = await signIn(portal, '777700000004', password);
    assert.equal(late.response.status, 401);
    assert.deepEqual(errorsOn(late.response.body), [EXPIRED]);
    assert.equal(late.agent.cookie('ws_session'), undefined, 'no session');
    const wrong = await signIn(portal, '777700000004', 'Wrong-Password-9');
    assert.deepEqual(errorsOn(wrong.response.body), [SIGN_IN_FAILED], 'the expiry is only told to someone who knows the password');

    const audit = await portal.services.db.selectFrom('audit_events').select('details').where('event', '=', 'sign_in.failed').where('aws_account_id', '=', '777700000004').execute();
    assert.ok(audit.some((a) => (a.details as { reason?: string }).reason === 'one_time_password_expired'), JSON.stringify(audit));
  } finally {
    portal.clock.set(start);
  }
});

test('creating is refused, and nothing written, without a licence, with only a revoked one, or when the portal account exists', async () => {
  const revoked = await issueLicence(portal, '777700000006');
  await portal.services.licences.transition(revoked.id, { action: 'revoke' }, { actor: 'test', reason: 'test' });
  await registeredAccount(portal, '777700000007');
  await createdByStaff('777700000008');

  const cases: [string, string, RegExp][] = [
    ['777700000005', 'no_licence', /AWS account 7777-0000-0005 holds no WebStream licence/],
    ['777700000006', 'no_licence', /holds no WebStream licence \(revoked ones do not count\)/],
    ['777700000007', 'account_exists', /A portal account already exists for AWS account 7777-0000-0007/],
    ['7777-0000-0008', 'account_exists', /A portal account already exists for AWS account 7777-0000-0008/],
    ['7777', 'validation_failed', /An AWS account ID has exactly 12 digits/],
  ];
  for (const [awsAccountId, code, message] of cases) {
    const before = await counts();
    await assert.rejects(portal.services.accountProvisioning.createWithOneTimePassword({ awsAccountId, email: 'someone@example.com' }, { actor: 'test-staff' }), (error: Error & { code?: string }) => {
      assert.equal(error.code, code, awsAccountId);
      assert.match(error.message, message);
      return true;
    });
    assert.deepEqual(await counts(), before, `${awsAccountId}: nothing written`);
  }
  await issueLicence(portal, '777700000009');
  const before = await counts();
  await assert.rejects(portal.services.accountProvisioning.createWithOneTimePassword({ awsAccountId: '777700000009', email: 'not-an-email' }, { actor: 'test-staff' }), /Enter an email address like name@example\.com/);
  assert.deepEqual(await counts(), before, 'bad email: nothing written');
});

test('two staff creating the same account at once: one account, one email, the other is told it exists', async () => {
  await issueLicence(portal, '777700000010');
  const before = await counts();
  const results = await Promise.allSettled(
    ['a@example.com', 'b@example.com'].map((email) => portal.services.accountProvisioning.createWithOneTimePassword({ awsAccountId: '777700000010', email }, { actor: 'test-staff' })),
  );
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  const refused = results.find((r) => r.status === 'rejected');
  assert.match(String(refused?.reason), /already exists/);
  const after = await counts();
  assert.equal(after.accounts, before.accounts + 1);
  assert.equal(after.emails, before.emails + 1);
});
