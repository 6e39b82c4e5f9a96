/**
 * Registration's answers ("no licence", "already exists") tell AWS account IDs apart, so refusals are
 * throttled like sign-in failures (per AWS account ID and per address, shared by every portal process),
 * the POST has a per-address request limit, and the licence's contact hears of a new portal account.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { licenceCommand } from '../../src/cli/licence.commands.js';
import { createLogger } from '../../src/config/logger.js';
import { buildApp, type App } from '../../src/app.js';
import { createServices } from '../../src/services.js';
import { errorsOn, FormAgent, type AgentResponse } from '../support/form-agent.js';
import { createTestPortal, GOOD_PASSWORD, issueLicence, type TestPortal } from '../support/test-portal.js';

let portal: TestPortal;
before(async () => {
  portal = await createTestPortal();
});
after(() => portal.close());

const LOCKED = /^Too many registration attempts\. For your security, please wait \d+ seconds? before trying again\.$/;

function registrar(ip: string, app: App = portal.app) {
  const agent = new FormAgent(app, portal.config.publicUrl.origin, ip);
  let opened = false;
  return async (accountId: string, fields: Record<string, string> = {}): Promise<AgentResponse> => {
    if (!opened) await agent.get('/portal/register');
    opened = true;
    return agent.post('/portal/register', { accountId, email: `${accountId}@example.com`, password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD, ...fields });
  };
}

const summary = (response: AgentResponse) => errorsOn(response.body)[0] ?? '';
const hasAccount = async (awsAccountId: string) => (await portal.services.accounts.findByAwsAccountId(awsAccountId)) !== undefined;

test('300 probes from one address: 20 answers, then only "too many" (the lock, then the request limit)', async () => {
  await issueLicence(portal, '300100000007');
  assert.equal((await registrar('10.20.9.9')('300100000007')).status, 303, 'a registered ID among the probes');
  await issueLicence(portal, '300100000150');

  const probe = registrar('10.20.0.1');
  const answers: number[] = [];
  const refusals: AgentResponse[] = [];
  for (let i = 0; i < 300; i++) {
    const response = await probe(`3001${String(i).padStart(8, '0')}`);
    if (response.status === 429) refusals.push(response);
    else answers.push(response.status);
  }
  assert.equal(answers.length, 20, 'only the address threshold of attempts got an answer');
  assert.ok(answers.every((status) => status === 403 || status === 409), answers.join(','));
  assert.equal(refusals.length, 280);
  assert.ok(refusals.slice(0, 10).every((response) => LOCKED.test(summary(response))), refusals[0]?.body);
  // From the 31st post on, the request limit answers (its own page) before anything is looked up.
  assert.ok(refusals.slice(10).every((response) => /Too many requests from your network\. Please wait \d+ seconds and try again\./.test(response.body)), refusals[10]?.body);
  assert.equal(await hasAccount('300100000150'), false, 'the licensed ID among the probes was not registered');
});

test('while an address is locked, a licensed unregistered ID gets the same answer as an unknown one; other addresses go on', async () => {
  await issueLicence(portal, '300200000100');
  const probe = registrar('10.20.0.2');
  for (let i = 0; i < 20; i++) assert.equal((await probe(`3002000000${String(i).padStart(2, '0')}`)).status, 403);

  const unknown = await probe('300200000099');
  const licensed = await probe('300200000100');
  assert.deepEqual([unknown.status, licensed.status], [429, 429]);
  assert.match(summary(licensed), LOCKED);
  assert.equal(summary(licensed), summary(unknown), 'one answer, whether the registration would have worked or not');
  assert.equal(await hasAccount('300200000100'), false);

  // The lock is the address's: another address registers that ID.
  assert.equal((await registrar('10.20.0.3')('300200000100')).status, 303);
  // The sign-in's address key: the same address is held up at sign-in too.
  const signIn = new FormAgent(portal.app, portal.config.publicUrl.origin, '10.20.0.2');
  await signIn.get('/portal/sign-in');
  assert.equal((await signIn.post('/portal/sign-in', { accountId: '300200000100', password: GOOD_PASSWORD })).status, 429);
});

test('per AWS account ID: 5 refusals from 5 addresses lock that ID for everyone, until the wait ends by itself', async () => {
  const target = '300300000001';
  for (let i = 1; i <= 5; i++) assert.equal((await registrar(`10.30.0.${i}`)(target)).status, 403);
  await issueLicence(portal, target);

  const fresh = registrar('10.30.0.6');
  const locked = await fresh(target);
  assert.equal(locked.status, 429, 'licensed now, but the ID is locked');
  assert.match(summary(locked), LOCKED);
  assert.equal(await hasAccount(target), false);
  await issueLicence(portal, '300300000002');
  assert.equal((await fresh('300300000002')).status, 303, 'the address itself is not locked');

  portal.clock.advance(1_100);
  assert.equal((await registrar('10.30.0.7')(target)).status, 303, 'the lock ended by itself');

  // "Already exists" answers count the same way (the success above cleared the ID's count).
  for (let i = 8; i <= 12; i++) assert.equal((await registrar(`10.30.0.${i}`)(target)).status, 409);
  const again = await registrar('10.30.0.13')(target);
  assert.equal(again.status, 429);
  assert.match(summary(again), LOCKED);
  const events = await portal.services.db.selectFrom('audit_events').select('event').where('aws_account_id', '=', target).execute();
  assert.ok(events.some((e) => e.event === 'registration.refused') && events.some((e) => e.event === 'registration.locked_out'));
});

test('form mistakes are not counted: a customer who corrects the form many times still registers at once', async () => {
  await issueLicence(portal, '300400000001');
  const attempt = registrar('10.40.0.1');
  const mistakes: Record<string, string>[] = [
    { password: 'short', passwordConfirm: 'short' },
    { passwordConfirm: 'Blue-Kettle-43' },
    { email: 'not-an-email' },
    { password: 'Password1!', passwordConfirm: 'Password1!' },
  ];
  for (let round = 0; round < 3; round++) {
    for (const mistake of mistakes) assert.equal((await attempt('3004-0000-0001', mistake)).status, 400);
  }
  assert.equal((await attempt('3004-0000-0001')).status, 303);
  const throttles = await portal.services.db.selectFrom('sign_in_throttles').select(['key', 'failures']).where('key', 'in', ['register:300400000001', 'address:10.40.0.1']).execute();
  assert.deepEqual(throttles, [{ key: 'address:10.40.0.1', failures: 0 }], 'the ID count is cleared and the address refunded');
});

test('two portal processes on one database share the counts', async () => {
  // As a borrower ('command'): with the embedded server (TEST_DB_MODE=embedded) the first portal owns it.
  const secondServices = await createServices(portal.config, { clock: portal.clock, logger: createLogger('silent'), role: 'command' });
  const second = await buildApp(secondServices);
  try {
    const target = '300500000001';
    for (let i = 1; i <= 3; i++) assert.equal((await registrar(`10.50.0.${i}`)(target)).status, 403);
    for (let i = 4; i <= 5; i++) assert.equal((await registrar(`10.50.0.${i}`, second)(target)).status, 403);
    await issueLicence(portal, target);
    assert.equal((await registrar('10.50.0.6')(target)).status, 429);
    assert.equal((await registrar('10.50.0.7', second)(target)).status, 429);

    const first = registrar('10.50.1.1');
    const other = registrar('10.50.1.1', second);
    for (let i = 0; i < 10; i++) {
      assert.equal((await first(`3005010000${String(i).padStart(2, '0')}`)).status, 403);
      assert.equal((await other(`3005020000${String(i).padStart(2, '0')}`)).status, 403);
    }
    const locked = await first('300503000000');
    assert.equal(locked.status, 429);
    assert.match(summary(locked), LOCKED);
  } finally {
    await second.close();
    await secondServices.close();
  }
});

/** Runs `webstream-portal licence issue` in this process, against the test portal's services. */
async function cliIssue(args: string[]): Promise<{ ok: boolean; output: string }> {
  const command = licenceCommand((task) => task(portal.services), {});
  let output = '';
  for (const sub of command.commands) sub.exitOverride().configureOutput({ writeErr: (s) => (output += s), writeOut: (s) => (output += s) });
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (chunk: string | Uint8Array) => ((output += String(chunk)), true);
  try {
    await command.parseAsync(['issue', ...args], { from: 'user' });
    return { ok: true, output };
  } catch {
    return { ok: false, output };
  } finally {
    process.stdout.write = write;
  }
}

test('`licence issue --contact-email` keeps the contact; a bad address is refused', async () => {
  const bad = await cliIssue(['--account', '300600000009', '--contact-email', 'nobody']);
  assert.equal(bad.ok, false);
  assert.match(bad.output, /Enter an email address like name@example\.com\./);
  assert.equal((await portal.services.licences.listForAccount('300600000009')).length, 0);

  const issued = await cliIssue(['--account', '300600000001', '--contact-email', ' Licensing@corp.example ']);
  assert.equal(issued.ok, true, issued.output);
  assert.match(issued.output, /contact\s+Licensing@corp\.example\n/);
  const [licence] = await portal.services.licences.listForAccount('300600000001');
  assert.equal(licence?.contact_email, 'Licensing@corp.example');
});

test("the licence contacts are emailed when a portal account is created for their AWS account (not a revoked licence's)", async () => {
  const id = '300600000001'; // its first licence comes from the CLI test above
  const create = (contactEmail: string) =>
    portal.services.licences.create({ awsAccountId: id, plan: 'standard', seats: 1, source: 'direct', endsAt: null, contactEmail }, 'issue', { actor: 'test', reason: 'test' });
  await create('licensing@corp.example');
  await create('buyer@corp.example');
  const revoked = await create('former@corp.example');
  await portal.services.licences.transition(revoked.id, { action: 'revoke' }, { actor: 'test', reason: 'test' });

  assert.equal((await registrar('10.60.0.1')(id, { email: 'buyer@corp.example' })).status, 303);
  await portal.deliverMail();
  const notice = await portal.inbox.waitFor('corp.example', /account was created for AWS account 3006-0000-0001/);
  assert.match(notice.text, /A portal account was created for AWS account 3006-0000-0001, contact buyer@corp\.example\./);
  assert.match(notice.text, /If this was not you or someone you know, contact WebStream support\./);

  const notices = portal.inbox.messages.filter((m) => /account was created for AWS account 3006-0000-0001/.test(m.subject));
  assert.deepEqual(notices.map((m) => m.to.toLowerCase()), ['licensing@corp.example'], 'one notice per contact; none to the registering address or a revoked licence');
  await portal.inbox.waitFor('buyer@corp.example', /Welcome/);
  const rows = await portal.services.db.selectFrom('mail_outbox').select('template').where('template', '=', 'licence_contact_account_created').execute();
  assert.equal(rows.length, 1);
});

test('the licence contact is emailed when staff create the portal account, too', async () => {
  const id = '300600000002';
  await portal.services.licences.create({ awsAccountId: id, plan: 'standard', seats: 1, source: 'direct', endsAt: null, contactEmail: 'it@staffmade.example' }, 'issue', { actor: 'test', reason: 'test' });
  await portal.services.accountProvisioning.createWithOneTimePassword({ awsAccountId: id, email: 'owner@staffmade.example' }, { actor: 'cli' });
  await portal.deliverMail();
  const notice = await portal.inbox.waitFor('it@staffmade.example', /account was created for AWS account 3006-0000-0002/);
  assert.match(notice.text, /contact owner@staffmade\.example\./);
  const rows = await portal.services.db.selectFrom('mail_outbox').select('to_address').where('template', '=', 'licence_contact_account_created').where('to_address', '=', 'it@staffmade.example').execute();
  assert.equal(rows.length, 1, 'one notice, in the transaction that created the account');
});
