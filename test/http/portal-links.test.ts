/**
 * Portal links (issue 11): POST /api/v1/portal-links proves an AWS account with an EC2 instance identity
 * document (here signed by the test's own key, through the portal's `verifyIdentity` hook) and answers a
 * single-use, 15-minute URL; the browser side (registration with the account ID fixed, sign-in), and the
 * setting registrationRequiresProof (plain registration refused; a link or AWS Marketplace still works).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { ManualClock } from '../../src/core/clock.js';
import { startEmulator, type Emulator } from '../../src/emulator/emulator.server.js';
import { createServices } from '../../src/services.js';
import { registeredAccount } from '../support/accounts.js';
import { errorsOn, FormAgent } from '../support/form-agent.js';
import { testIdentities } from '../support/identity.js';
import { createTestPortal, GOOD_PASSWORD, issueLicence, type TestPortal } from '../support/test-portal.js';

const identities = testIdentities();
const logLines: string[] = [];
const tokensSeen: string[] = [];
let portal: TestPortal;
let emulator: Emulator;
const emulatorClock = new ManualClock(new Date());
/** Each test's API calls come from an address of their own, so the per-address limit is tested on its own. */
let nextAddress = 1;

before(async () => {
  emulator = await startEmulator({ clock: emulatorClock, httpsPort: false, notifications: 'none' });
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  portal = await createTestPortal({
    env: { AWS_ENDPOINT_URL: emulator.url, MARKETPLACE_PRODUCT_CODE: emulator.productCode, LOG_LEVEL: 'debug' },
    logStream,
    verifyIdentity: identities.verifyIdentity,
  });
});
after(async () => {
  await portal.close();
  await emulator.stop();
});

interface LinkAnswer {
  url: string;
  expiresAt: string;
  awsAccountId: string;
  action: 'register' | 'sign_in';
}

async function requestLink(body: unknown, ip = `10.20.0.${nextAddress}`): Promise<LightMyRequestResponse> {
  return portal.app.inject({ method: 'POST', url: '/api/v1/portal-links', payload: body as Record<string, unknown>, remoteAddress: ip });
}

/** A portal link for `accountId`, checked to be a 201 with the documented shape. */
async function portalLink(accountId: string, options: { instanceId?: string } = {}): Promise<LinkAnswer & { path: string; token: string }> {
  const response = await requestLink({ identity: identities.identityFor(accountId, options) });
  assert.equal(response.statusCode, 201, response.body);
  const body = JSON.parse(response.body) as LinkAnswer;
  const url = new URL(body.url);
  const token = url.searchParams.get('token') ?? '';
  tokensSeen.push(token);
  return { ...body, path: `${url.pathname}${url.search}`, token };
}

function assertProblem(response: LightMyRequestResponse, status: number, code: string): { detail: string } {
  assert.equal(response.statusCode, status, response.body);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const body = JSON.parse(response.body) as { status: number; code: string; detail: string; title: string };
  assert.equal(body.status, status);
  assert.equal(body.code, code);
  assert.ok(body.detail.length > 10);
  return body;
}

const count = async (table: 'account_proof_links' | 'audit_events' | 'portal_accounts') => Number((await portal.services.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
const linkRow = (token: string) =>
  portal.services.db
    .selectFrom('account_proof_links')
    .selectAll()
    .where('token_hash', '=', createHash('sha256').update(token).digest('hex'))
    .executeTakeFirstOrThrow();
const auditFor = (awsAccountId: string, event: string) => portal.services.db.selectFrom('audit_events').selectAll().where('aws_account_id', '=', awsAccountId).where('event', '=', event).orderBy('id').execute();

async function withProofRequired(run: () => Promise<void>): Promise<void> {
  await portal.services.settings.setRegistrationRequiresProof(true, portal.clock.now());
  try {
    await run();
  } finally {
    await portal.services.settings.setRegistrationRequiresProof(false, portal.clock.now());
  }
}

test('a link opens registration with the AWS account ID fixed; registering spends it, and it works only once', async () => {
  nextAddress += 1;
  const account = '310000000001';
  await issueLicence(portal, account);
  const link = await portalLink(account, { instanceId: 'i-0aaaabbbbccccdddd' });
  assert.equal(link.action, 'register');
  assert.equal(link.awsAccountId, account);
  assert.match(link.url, /^http:\/\/127\.0\.0\.1:3000\/portal\/link\/proof\?token=[A-Za-z0-9_-]{43}$/);
  assert.equal(new Date(link.expiresAt).getTime(), portal.clock.now().getTime() + 15 * 60_000);

  // Only the token's hash is stored, with the proving instance.
  const row = await linkRow(link.token);
  assert.deepEqual([row.aws_account_id, row.instance_id, row.region, row.used_at], [account, 'i-0aaaabbbbccccdddd', 'eu-west-1', null]);
  assert.ok(!Object.values(row).some((value) => String(value).includes(link.token)), 'the token itself is not stored');
  const created = (await auditFor(account, 'account_proof.link_created'))[0];
  assert.equal(created?.actor, 'instance:i-0aaaabbbbccccdddd');
  assert.equal(created.ip, `10.20.0.${nextAddress}`);
  assert.deepEqual([created.details.instanceId, created.details.action], ['i-0aaaabbbbccccdddd', 'register']);

  // A link preview fetching the URL first spends nothing.
  const preview = await new FormAgent(portal.app).get(link.path);
  assert.equal(preview.status, 303);
  assert.equal((await linkRow(link.token)).used_at, null);

  const agent = new FormAgent(portal.app);
  const opened = await agent.get(link.path);
  assert.equal(opened.status, 303);
  assert.equal(opened.location, '/portal/link', 'the token leaves the address bar');
  assert.equal(opened.headers['referrer-policy'], 'no-referrer');
  assert.match(String(opened.headers['cache-control']), /no-store/);
  assert.ok(agent.cookie('ws_portallink'));
  const page = await agent.get('/portal/link');
  assert.equal(page.status, 200);
  assert.match(page.body, /Create your portal account/);
  assert.match(page.body, /<input[^>]*name="accountId"[^>]*value="3100-0000-0001"[^>]*readonly|<input[^>]*readonly[^>]*name="accountId"/);
  assert.match(page.body, /Proven by your WebStream instance/);
  assert.match(page.body, /i-0aaaabbbbccccdddd/);
  assert.doesNotMatch(page.body, new RegExp(link.token), 'the page does not carry the token');

  // Another account ID posted is refused; a weak password too; neither spends the link.
  const other = await agent.post('/portal/link/register', { accountId: '999999999999', email: 'ops1@example.com', password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD });
  assert.equal(other.status, 400);
  assert.ok(errorsOn(other.body).some((e) => e.includes('This link proves AWS account 3100-0000-0001')));
  const weak = await agent.post('/portal/link/register', { accountId: '3100-0000-0001', email: 'ops1@example.com', password: 'short', passwordConfirm: 'short' });
  assert.equal(weak.status, 400);
  assert.equal((await linkRow(link.token)).used_at, null);

  const registered = await agent.post('/portal/link/register', { accountId: '3100-0000-0001', email: 'ops1@example.com', password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD });
  assert.equal(registered.status, 303, errorsOn(registered.body).join(' | '));
  assert.equal(registered.location, '/portal/entitlements?notice=welcome');
  assert.ok(agent.cookie('ws_session'), 'signed in');
  assert.equal(agent.cookie('ws_portallink'), undefined, 'the link cookie is dropped');
  const account1 = await portal.services.accounts.findByAwsAccountId(account);
  const spent = await linkRow(link.token);
  assert.ok(spent.used_at !== null);
  assert.equal(spent.used_by_account_id, account1?.id);
  assert.equal((await auditFor(account, 'account.registered'))[0]?.details.via, 'portal_link');
  assert.deepEqual((await auditFor(account, 'account_proof.link_used')).map((e) => e.details.use), ['register']);

  // The same URL again, in another browser: refused with the way forward.
  const again = await new FormAgent(portal.app).get(link.path);
  assert.equal(again.status, 400);
  assert.match(again.body, /This portal link has already been used/);
  assert.match(again.body, /open a new portal link from your WebStream instance&#39;s admin panel|open a new portal link from your WebStream instance's admin panel/);
});

test('a link spent while a registration form was open refuses that registration and writes nothing', async () => {
  nextAddress += 1;
  const account = '310000000002';
  await issueLicence(portal, account);
  const link = await portalLink(account);
  const first = new FormAgent(portal.app);
  const second = new FormAgent(portal.app);
  await first.get(link.path);
  await first.get('/portal/link');
  await second.get(link.path);
  await second.get('/portal/link');
  const won = await first.post('/portal/link/register', { email: 'first@example.com', password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD });
  assert.equal(won.status, 303);
  const before = await count('portal_accounts');
  const lost = await second.post('/portal/link/register', { email: 'second@example.com', password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD });
  assert.equal(lost.status, 400);
  assert.match(lost.body, /already been used/);
  assert.equal(await count('portal_accounts'), before);
  assert.equal(second.cookie('ws_session'), undefined);
});

test('an expired link is refused, whether opened late or used late, and creates nothing', async () => {
  nextAddress += 1;
  const account = '310000000003';
  await issueLicence(portal, account);
  const late = await portalLink(account);
  const inTime = await portalLink(account);
  const agent = new FormAgent(portal.app);
  await agent.get(inTime.path);
  await agent.get('/portal/link');
  portal.clock.advance(15 * 60_000 + 1000);

  const opened = await new FormAgent(portal.app).get(late.path);
  assert.equal(opened.status, 400);
  assert.match(opened.body, /This portal link has expired/);
  assert.match(opened.body, /works for 15 minutes/);
  const before = await count('portal_accounts');
  const posted = await agent.post('/portal/link/register', { email: 'late@example.com', password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD });
  assert.equal(posted.status, 400);
  assert.match(posted.body, /This portal link has expired/);
  assert.equal(await count('portal_accounts'), before);
  assert.equal((await linkRow(inTime.token)).used_at, null);
});

test('an unknown or damaged link, or none, gets a page saying to open a new link from the admin panel', async () => {
  for (const path of ['/portal/link/proof?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', '/portal/link/proof?token=short', '/portal/link/proof', '/portal/link']) {
    const page = await new FormAgent(portal.app).get(path);
    assert.equal(page.status, 400, path);
    assert.match(page.body, /admin panel/, path);
  }
});

test('a bad signature, an unknown Region or a malformed body is a 400 problem with its code, and nothing is written', async () => {
  nextAddress += 1;
  const account = '310000000004';
  await issueLicence(portal, account);
  const before = { links: await count('account_proof_links'), audit: await count('audit_events') };
  const good = identities.identityFor(account);

  const tampered = await requestLink({ identity: { document: good.document.replace(account, '310000000099'), signature: good.signature } });
  assert.match(assertProblem(tampered, 400, 'identity_invalid').detail, /signature/);
  const otherKey = testIdentities().identityFor(account);
  assertProblem(await requestLink({ identity: otherKey }), 400, 'identity_invalid');
  assertProblem(await requestLink({ identity: { document: good.document, signature: 'not base64!' } }), 400, 'identity_invalid');
  assertProblem(await requestLink({ identity: identities.identityFor(account, { region: 'xx-nowhere-1' }) }), 400, 'identity_region_unknown');
  // Signed, but not naming a usable account: refused all the same.
  assertProblem(await requestLink({ identity: identities.signText(JSON.stringify({ accountId: '12', instanceId: 'i-1', region: 'eu-west-1' })) }), 400, 'identity_invalid');
  assertProblem(await requestLink({ identity: { document: good.document } }), 400, 'validation_failed');
  assertProblem(await requestLink({}), 400, 'validation_failed');
  assertProblem(await portal.app.inject({ method: 'POST', url: '/api/v1/portal-links', payload: '{"identity":', headers: { 'content-type': 'application/json' }, remoteAddress: '10.20.1.1' }), 400, 'malformed_json');

  assert.deepEqual({ links: await count('account_proof_links'), audit: await count('audit_events') }, before);
});

test('an AWS account with neither a licence nor a portal account is told to request a licence first (409 no_licence)', async () => {
  nextAddress += 1;
  const before = await count('account_proof_links');
  const refused = assertProblem(await requestLink({ identity: identities.identityFor('310000000005') }), 409, 'no_licence');
  assert.match(refused.detail, /3100-0000-0005 holds no WebStream licence/);
  assert.equal(await count('account_proof_links'), before);
});

test('when the portal account exists the link opens sign-in with the ID filled; a wrong password keeps it, a right one spends it', async () => {
  nextAddress += 1;
  const account = '310000000006';
  await registeredAccount(portal, account);
  const link = await portalLink(account);
  assert.equal(link.action, 'sign_in');
  const agent = new FormAgent(portal.app);
  await agent.get(link.path);
  const page = await agent.get('/portal/link');
  assert.match(page.body, /A portal account exists for this AWS account/);
  assert.match(page.body, /action="\/portal\/link\/sign-in"/);
  assert.match(page.body, /value="3100-0000-0006"/);

  const wrong = await agent.post('/portal/link/sign-in', { accountId: '3100-0000-0006', password: 'Not-The-Password-1' });
  assert.equal(wrong.status, 401);
  assert.ok(errorsOn(wrong.body).includes('The AWS account ID or password is incorrect.'));
  assert.equal((await linkRow(link.token)).used_at, null);

  // The proven account is the one signed in to, whatever the read-only field posted.
  const signedIn = await agent.post('/portal/link/sign-in', { accountId: '999999999999', password: GOOD_PASSWORD });
  assert.equal(signedIn.status, 303, errorsOn(signedIn.body).join(' | '));
  assert.equal(signedIn.location, '/portal/entitlements');
  assert.ok(agent.cookie('ws_session'));
  assert.ok((await linkRow(link.token)).used_at !== null);
  assert.deepEqual((await auditFor(account, 'account_proof.link_used')).map((e) => e.details.use), ['sign_in']);
  assert.match((await new FormAgent(portal.app).get(link.path)).body, /already been used/);
});

test('signed in as another account, the link page says so and offers a sign-out that comes back to it', async () => {
  nextAddress += 1;
  const account = '310000000007';
  await issueLicence(portal, account);
  const other = await registeredAccount(portal, '310000000077');
  const link = await portalLink(account);
  await other.get(link.path);
  const page = await other.get('/portal/link');
  assert.match(page.body, /You are signed in as AWS account 3100-0000-0077, but this link proves AWS account 3100-0000-0007/);
  const register = await other.post('/portal/link/register', { email: 'x@example.com', password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD });
  assert.equal(register.location, '/portal/link', 'no registration while signed in');
  const out = await other.post('/portal/link/sign-out', {});
  assert.equal(out.location, '/portal/link');
  assert.equal(other.cookie('ws_session'), undefined);
  assert.match((await other.get('/portal/link')).body, /Choose your contact email and password/);
});

test('while the portal requires MFA, a signed-in customer without it opening a link sets MFA up first, then comes back to it', async () => {
  nextAddress += 1;
  const account = '310000000011';
  await issueLicence(portal, account);
  const agent = await registeredAccount(portal, account);
  const link = await portalLink(account);
  await portal.services.settings.setMfaRequiredForCustomers(true, portal.clock.now());
  try {
    await agent.get(link.path);
    const gated = await agent.get('/portal/link');
    assert.equal(gated.location, '/portal/settings?notice=mfa-required#mfa-heading');
    assert.equal(agent.cookie('ws_resume'), '/portal/link', 'the link page is remembered');
  } finally {
    await portal.services.settings.setMfaRequiredForCustomers(false, portal.clock.now());
  }
  // With the requirement lifted, the link page answers at once: signed in to the proven account, nothing is left to do.
  assert.equal((await agent.get('/portal/link')).location, '/portal/entitlements');
});

test('with registrationRequiresProof on, plain registration is refused with the three ways; a portal link and AWS Marketplace still work', async () => {
  nextAddress += 1;
  await withProofRequired(async () => {
    const plain = '310000000008';
    await issueLicence(portal, plain);
    const agent = new FormAgent(portal.app);
    const form = await agent.get('/portal/register');
    assert.equal(form.status, 200);
    assert.match(form.body, /only for an AWS account that proves it is yours/);
    assert.match(form.body, /admin panel/);
    assert.match(form.body, /AWS Marketplace/);
    assert.match(form.body, /ask WebStream to create the portal account/);
    assert.doesNotMatch(form.body, /action="\/portal\/register"/, 'no form that cannot succeed');
    const before = await count('portal_accounts');
    // A form loaded before the setting changed (its CSRF token from another page here) is refused all the same.
    await agent.get('/portal/sign-in');
    const refused = await agent.post('/portal/register', { accountId: plain, email: 'plain@example.com', password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD });
    assert.equal(refused.status, 403);
    assert.match(refused.body, /cannot be created here without a proof/);
    assert.match(refused.body, /admin panel/);
    assert.equal(await count('portal_accounts'), before);
    assert.equal((await auditFor(plain, 'registration.refused'))[0]?.details.reason, 'proof_required');
    // Straight to the service: the refusal comes with its code and the ways in its message.
    await assert.rejects(
      portal.services.registration.register({ accountId: plain, email: 'plain@example.com', password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD }, { ip: '10.0.0.1', userAgent: 'test' }),
      (error: Error & { code?: string }) => error.code === 'proof_required' && /admin panel/.test(error.message) && /AWS Marketplace/.test(error.message),
    );

    // A portal link is a proof.
    const link = await portalLink(plain);
    const linked = new FormAgent(portal.app);
    await linked.get(link.path);
    await linked.get('/portal/link');
    const registered = await linked.post('/portal/link/register', { email: 'plain@example.com', password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD });
    assert.equal(registered.status, 303, errorsOn(registered.body).join(' | '));

    // So is the AWS Marketplace link flow (no prior licence needed there, as before).
    const buyer = '310000000009';
    const { token } = emulator.state.marketplace.create({ awsAccountId: buyer, dimension: 'standard', quantity: 2, expiresAt: null });
    const browser = new FormAgent(portal.app);
    const landed = await browser.post('/marketplace/landing', { 'x-amzn-marketplace-token': token.token }, { origin: 'https://aws.amazon.com', 'sec-fetch-site': 'cross-site' });
    assert.equal(landed.status, 200);
    await browser.get('/portal/marketplace/link');
    const viaMarketplace = await browser.post('/portal/marketplace/register', { email: 'buyer9@example.com', password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD });
    assert.equal(viaMarketplace.status, 303, errorsOn(viaMarketplace.body).join(' | '));
    assert.ok((await portal.services.accounts.findByAwsAccountId(buyer)) !== undefined);
  });
  // Off again: open, as the design describes.
  const open = '310000000010';
  await issueLicence(portal, open);
  const agent = new FormAgent(portal.app);
  assert.match((await agent.get('/portal/register')).body, /action="\/portal\/register"/);
  const registered = await agent.post('/portal/register', { accountId: open, email: 'open@example.com', password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD });
  assert.equal(registered.status, 303);
});

test('a settings change reaches another portal process on the database within the 5-second cache', async () => {
  const clock = new ManualClock(portal.clock.now());
  const second = await createServices(portal.config, { clock, role: 'command', migrate: false, logger: portal.services.logger });
  try {
    assert.equal(await second.registration.proofRequired(), false);
    await portal.services.settings.setRegistrationRequiresProof(true, portal.clock.now());
    assert.equal(await portal.services.registration.proofRequired(), true, 'at once in the process that changed it');
    assert.equal(await second.registration.proofRequired(), false, 'still cached in the other');
    clock.advance(5_001);
    assert.equal(await second.registration.proofRequired(), true);
    assert.equal((await second.settings.get()).registrationRequiresProof, true);
  } finally {
    await portal.services.settings.setRegistrationRequiresProof(false, portal.clock.now());
    await second.close();
  }
});

test('portal links are limited per address (30 a minute), with a problem document', async () => {
  const ip = '10.20.9.9';
  const identity = { document: '{}', signature: 'AAAA' };
  for (let i = 0; i < 30; i += 1) assert.equal((await requestLink({ identity }, ip)).statusCode, 400);
  const limited = await requestLink({ identity }, ip);
  assertProblem(limited, 429, 'too_many_requests');
  assert.equal((await requestLink({ identity }, '10.20.9.10')).statusCode, 400, 'another address is not held up');
  portal.clock.advance(60_001);
  assert.equal((await requestLink({ identity }, ip)).statusCode, 400);
});

test('the OpenAPI document describes POST /api/v1/portal-links with its body, answer and refusal codes', async () => {
  const response = await portal.app.inject({ method: 'GET', url: '/api/openapi.json' });
  const document = JSON.parse(response.body) as { paths: Record<string, Record<string, { description: string; requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> }; responses: Record<string, unknown> }>> };
  const operation = document.paths['/api/v1/portal-links']?.post;
  assert.ok(operation, 'documented');
  assert.ok(operation.requestBody?.content['application/json']?.schema.properties.identity);
  assert.ok(operation.responses['201']);
  assert.ok(operation.responses.default, 'problem documents');
  for (const code of ['identity_invalid', 'identity_region_unknown', 'no_licence', 'too_many_requests']) assert.ok(operation.description.includes(code), code);
});

test('no portal link token ever reached the log', () => {
  assert.ok(tokensSeen.length > 5);
  assert.ok(logLines.some((line) => line.includes('/portal/link/proof?token=[redacted]')), 'the opened URLs were logged, redacted');
  const leaked = tokensSeen.filter((token) => logLines.some((line) => line.includes(token)));
  assert.deepEqual(leaked, []);
});
