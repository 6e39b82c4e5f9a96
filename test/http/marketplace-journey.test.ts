/**
 * The AWS Marketplace buyer journey over HTTP (DESIGN.md §4 steps 1–5) against the local AWS emulator:
 * landing (ResolveCustomer), the link page (handshake, sign-in, MFA, registration), provisioning
 * (GetEntitlements), and every way each step can fail.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, afterEach, before, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/config/logger.js';
import { startEmulator, type Emulator } from '../../src/emulator/emulator.server.js';
import { buildApp } from '../../src/app.js';
import { hashToken } from '../../src/core/tokens.js';
import { createServices } from '../../src/services.js';
import { registeredAccount } from '../support/accounts.js';
import { errorsOn, FormAgent, type AgentResponse } from '../support/form-agent.js';
import { createTestPortal, GOOD_PASSWORD, issueLicence, type TestPortal } from '../support/test-portal.js';

const DAY = 86_400_000;
const LINK = '/portal/marketplace/link';
const LINK_COOKIE = 'ws_mplink';
/** What AWS's cross-site form post looks like: another site, no CSRF token, no portal cookies. */
const FROM_AWS = { origin: 'https://aws.amazon.com', 'sec-fetch-site': 'cross-site' };

let emulator: Emulator;
let portal: TestPortal;
const emulatorClock = new ManualClock(new Date());
const logLines: string[] = [];
const tokensSeen: string[] = [];

before(async () => {
  emulator = await startEmulator({ clock: emulatorClock, httpsPort: false, notifications: 'none' });
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  // The landing limit is tested on its own portal below; here many tests land from one address.
  portal = await createTestPortal({ env: { AWS_ENDPOINT_URL: emulator.url, MARKETPLACE_PRODUCT_CODE: emulator.productCode, MARKETPLACE_LANDINGS_PER_MINUTE: '10000', LOG_LEVEL: 'debug' }, logStream });
});
after(async () => {
  await portal.close();
  await emulator.stop();
});
afterEach(() => emulator.state.faults.clear());

function subscribe(awsAccountId: string, options: { dimension?: string; quantity?: number; days?: number | null; productCode?: string } = {}) {
  const days = options.days === undefined ? 365 : options.days;
  const { subscription, token } = emulator.state.marketplace.create({
    awsAccountId,
    dimension: options.dimension ?? 'professional',
    quantity: options.quantity ?? 7,
    expiresAt: days === null ? null : new Date(emulatorClock.now().getTime() + days * DAY),
    ...(options.productCode === undefined ? {} : { productCode: options.productCode }),
  });
  tokensSeen.push(token.token);
  return { subscription, token: token.token };
}

async function land(agent: FormAgent, token: string, extra: Record<string, string> = {}): Promise<AgentResponse> {
  return agent.post('/marketplace/landing', { 'x-amzn-marketplace-token': token, ...extra }, FROM_AWS);
}

async function counts() {
  const count = async (table: 'marketplace_subscriptions' | 'marketplace_link_handshakes') => Number((await portal.services.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const audit = Number(
    (await portal.services.db.selectFrom('audit_events').select((eb) => eb.fn.countAll().as('n')).where('event', 'like', 'marketplace.%').executeTakeFirstOrThrow()).n,
  );
  return { subscriptions: await count('marketplace_subscriptions'), handshakes: await count('marketplace_link_handshakes'), audit };
}

const subscriptionRow = (licenceArn: string) => portal.services.db.selectFrom('marketplace_subscriptions').selectAll().where('licence_arn', '=', licenceArn).executeTakeFirstOrThrow();
const auditFor = (awsAccountId: string, event: string) =>
  portal.services.db.selectFrom('audit_events').selectAll().where('aws_account_id', '=', awsAccountId).where('event', '=', event).orderBy('id').execute();

/** Follows a 303 to the provisioning page, posts its form as the browser (or its script) would, and checks the redirect. */
async function provision(agent: FormAgent, location: string | undefined): Promise<AgentResponse> {
  assert.match(location ?? '', /^\/portal\/marketplace\/provision\?subscription=[0-9a-f-]{36}$/);
  const progress = await agent.get(location ?? '');
  assert.equal(progress.status, 200);
  assert.match(progress.body, /Setting up your licence/);
  assert.match(progress.body, /<form method="post" action="\/portal\/marketplace\/provision" data-auto-submit>/);
  assert.match(progress.body, /<script src="\/assets\/auto-submit.js" defer><\/script>/);
  const subscription = /name="subscription" value="([^"]+)"/.exec(progress.body)?.[1] ?? '';
  return agent.post('/portal/marketplace/provision', { subscription });
}

/** The My Entitlements row of the licence whose plan is `plan`, as text. */
function licenceRow(body: string, plan: string): string {
  const row = [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => (m[1] ?? '').replace(/<[^>]+>/g, '|').replace(/\|+/g, '|')).find((r) => r.includes(`|${plan}|`));
  assert.ok(row !== undefined, `no licence row for ${plan} in the page`);
  return row;
}

test('landing: the token is redeemed at once, the subscription recorded, and a 200 page continues to the link page', async () => {
  const { subscription, token } = subscribe('100000000001');
  const before = await counts();
  const agent = new FormAgent(portal.app, portal.config.publicUrl.origin);
  const landed = await land(agent, token, { 'x-amzn-marketplace-offer-type': 'free-trial', 'some-future-field': 'x' });

  assert.equal(landed.status, 200, errorsOn(landed.body).join(' | '));
  assert.match(landed.body, /Thank you for subscribing to WebStream/);
  assert.match(landed.body, /1000-0000-0001/);
  assert.match(landed.body, /href="\/portal\/marketplace\/link"/);
  assert.equal(landed.headers.refresh, '1; url=/portal/marketplace/link');
  // The token never travels further: not in the page, a header or a URL; the handshake rides in an HttpOnly cookie.
  assert.ok(!landed.body.includes(token) && !JSON.stringify(landed.headers).includes(token));
  const setCookie = ([] as string[]).concat(landed.headers['set-cookie'] ?? []).find((c) => c.startsWith(`${LINK_COOKIE}=`)) ?? '';
  assert.match(setCookie, /HttpOnly/i);
  assert.match(setCookie, /SameSite=Lax/i);
  assert.match(setCookie, /Path=\//);
  assert.ok(!setCookie.includes(encodeURIComponent(token).slice(0, 20)), 'the cookie is not the token');

  const row = await subscriptionRow(subscription.licenseArn);
  assert.equal(row.aws_account_id, '100000000001');
  assert.equal(row.product_code, emulator.productCode);
  assert.equal(row.status, 'subscribed');
  assert.equal(row.customer_identifier, null, 'a new integration gets no customer identifier');
  assert.equal(row.licence_id, null);
  const handshake = await portal.services.db.selectFrom('marketplace_link_handshakes').selectAll().where('subscription_id', '=', row.id).executeTakeFirstOrThrow();
  assert.match(handshake.nonce_hash, /^[0-9a-f]{64}$/);
  const lifetime = handshake.expires_at.getTime() - handshake.created_at.getTime();
  assert.ok(lifetime > 14 * 60_000 + 59_000 && lifetime <= 15 * 60_000, `15 minutes (to the second), got ${lifetime} ms`);
  assert.ok(!(agent.cookie(LINK_COOKIE) ?? '').includes(handshake.nonce_hash), 'only a hash is stored');
  assert.equal(handshake.nonce_hash, hashToken((agent.cookie(LINK_COOKIE) ?? '').split('.')[2] ?? ''), "the row is keyed by the hash of the cookie's nonce");
  const after = await counts();
  assert.deepEqual(after, { subscriptions: before.subscriptions + 1, handshakes: before.handshakes + 1, audit: before.audit + 1 });
  assert.equal((await auditFor('100000000001', 'marketplace.landed'))[0]?.details.licenceArn, subscription.licenseArn);

  // The page it continues to knows the subscription and, with no portal account yet, offers to create one.
  const linkPage = await agent.get(LINK);
  assert.equal(linkPage.status, 200);
  assert.match(linkPage.body, /Create your portal account/);
  assert.match(linkPage.body, /value="1000-0000-0001"[^>]*readonly/);
  assert.match(linkPage.body, /href="\/portal\/marketplace\/link\?step=sign-in"/);
});

test('a legacy listing keeps its customer identifier; GET on the landing address explains where to start', async () => {
  const { subscription, token } = emulator.state.marketplace.create({ awsAccountId: '100000000002', dimension: 'standard', quantity: 1, legacyListing: true });
  tokensSeen.push(token.token);
  const landed = await land(new FormAgent(portal.app), token.token);
  assert.equal(landed.status, 200);
  assert.equal((await subscriptionRow(subscription.licenseArn)).customer_identifier, subscription.customerIdentifier);

  const info = await new FormAgent(portal.app).get('/marketplace/landing');
  assert.equal(info.status, 200);
  assert.match(info.body, /choose “Set up your account”/);
});

test('a new buyer registers through the link page (no prior licence), provisions, and sees the Marketplace licence with seats and end date', async () => {
  const account = '100000000003';
  const { subscription, token } = subscribe(account, { dimension: 'professional', quantity: 7, days: 365 });
  const agent = new FormAgent(portal.app);
  assert.equal((await land(agent, token)).status, 200);
  await agent.get(LINK);

  // The account ID is the subscription's whatever is posted; a weak password is refused and nothing linked.
  const weak = await agent.post('/portal/marketplace/register', { accountId: '1000-0000-0003', email: 'buyer3@example.com', password: 'short', passwordConfirm: 'short' });
  assert.equal(weak.status, 400);
  assert.ok(errorsOn(weak.body).includes('Use at least 8 characters.'));
  const other = await agent.post('/portal/marketplace/register', { accountId: '999999999999', email: 'buyer3@example.com', password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD });
  assert.equal(other.status, 400);
  assert.ok(errorsOn(other.body).some((e) => e.includes('belongs to AWS account 1000-0000-0003')));
  assert.equal((await subscriptionRow(subscription.licenseArn)).linked_at, null);

  const registered = await agent.post('/portal/marketplace/register', { accountId: '1000-0000-0003', email: 'buyer3@example.com', password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD });
  assert.equal(registered.status, 303, errorsOn(registered.body).join(' | '));
  assert.equal(agent.cookie(LINK_COOKIE), undefined, 'the link cookie is spent');
  const row = await subscriptionRow(subscription.licenseArn);
  assert.ok(row.linked_at !== null && row.linked_account_id !== null);
  assert.equal((await auditFor(account, 'account.registered'))[0]?.details.via, 'marketplace');

  const done = await provision(agent, registered.location);
  assert.equal(done.status, 303);
  assert.equal(done.location, '/portal/entitlements?notice=marketplace-provisioned');
  const page = await agent.get(done.location);
  assert.match(page.body, /Your AWS Marketplace subscription is linked and your licence is ready/);
  const shown = licenceRow(page.body, 'professional');
  assert.match(shown, /\|0 \/ 7\|/);
  assert.match(shown, /\|AWS Marketplace\|/);
  const endsAt = new Date(emulatorClock.now().getTime() + 365 * DAY);
  // The SDK hands over the expiration as a Date; the wire carried epoch seconds.
  assert.ok(shown.includes(`|${endsAt.getUTCDate()} `) && shown.includes(` ${endsAt.getUTCFullYear()}|`), shown);

  const licence = await portal.services.db.selectFrom('licences').selectAll().where('aws_account_id', '=', account).executeTakeFirstOrThrow();
  assert.deepEqual([licence.source, licence.plan, licence.seats, licence.status], ['marketplace', 'professional', 7, 'active']);
  assert.equal(Math.floor((licence.ends_at?.getTime() ?? 0) / 1000), Math.floor(endsAt.getTime() / 1000));
  assert.equal((await subscriptionRow(subscription.licenseArn)).licence_id, licence.id);
  const transitions = await portal.services.licences.transitionsFor(licence.id);
  assert.deepEqual(transitions.map((t) => [t.action, t.to_status, t.actor]), [['issue', 'active', 'marketplace']]);
  assert.deepEqual((await auditFor(account, 'marketplace.provisioned'))[0]?.details.changes, ['create']);
  assert.equal((await auditFor(account, 'marketplace.linked')).length, 1);
});

test('an existing portal account signs in on the link page and gets the licence beside its others', async () => {
  const account = '100000000004';
  await registeredAccount(portal, account);
  const { subscription, token } = subscribe(account, { dimension: 'enterprise', quantity: 3 });
  const agent = new FormAgent(portal.app);
  await land(agent, token);
  const linkPage = await agent.get(LINK);
  assert.match(linkPage.body, /A portal account exists for this AWS account/);
  assert.match(linkPage.body, /action="\/portal\/marketplace\/sign-in"/);

  const wrong = await agent.post('/portal/marketplace/sign-in', { accountId: '1000-0000-0004', password: 'Not-The-Password-1' });
  assert.equal(wrong.status, 401);
  assert.ok(errorsOn(wrong.body).includes('The AWS account ID or password is incorrect.'));

  const signedIn = await agent.post('/portal/marketplace/sign-in', { accountId: '1000 0000 0004', password: GOOD_PASSWORD });
  assert.equal(signedIn.status, 303, errorsOn(signedIn.body).join(' | '));
  assert.ok((await subscriptionRow(subscription.licenseArn)).linked_at !== null);
  const done = await provision(agent, signedIn.location);
  assert.equal(done.status, 303);
  const page = await agent.get('/portal/entitlements');
  assert.match(licenceRow(page.body, 'enterprise'), /\|AWS Marketplace\|/);
  assert.match(licenceRow(page.body, 'standard'), /\|Direct\|/);
});

test('an account still on its one-time password must choose a new one before anything is linked', async () => {
  const account = '100000000044';
  await issueLicence(portal, account);
  await portal.services.accountProvisioning.createWithOneTimePassword({ awsAccountId: account, email: 'otp-buyer@example.com' }, { actor: 'test' });
  // The emailed one-time password is never shown; set a known one, keeping the must-change state.
  const row = await portal.services.accounts.findByAwsAccountId(account);
  await portal.services.db.updateTable('portal_accounts').set({ password_hash: await portal.services.hasher.hash(GOOD_PASSWORD) }).where('id', '=', row?.id ?? '').execute();
  const { subscription, token } = subscribe(account);
  const agent = new FormAgent(portal.app);
  await land(agent, token);
  await agent.get(LINK);
  const signedIn = await agent.post('/portal/marketplace/sign-in', { accountId: account, password: GOOD_PASSWORD });
  assert.equal(signedIn.location, '/portal/change-password');
  assert.equal((await subscriptionRow(subscription.licenseArn)).linked_at, null, 'nothing linked yet');
  assert.equal((await agent.get(LINK)).location, '/portal/change-password');
  assert.equal((await agent.post(LINK, {})).location, '/portal/change-password');
  assert.equal((await subscriptionRow(subscription.licenseArn)).linked_at, null);
});

test('typing another AWS account ID on the link sign-in is refused before any password check', async () => {
  const account = '100000000005';
  const { subscription, token } = subscribe(account);
  await registeredAccount(portal, '100000000055');
  const agent = new FormAgent(portal.app);
  await land(agent, token);
  await agent.get(`${LINK}?step=sign-in`);
  const refused = await agent.post('/portal/marketplace/sign-in', { accountId: '100000000055', password: GOOD_PASSWORD });
  assert.equal(refused.status, 403);
  assert.ok(errorsOn(refused.body).some((e) => e.includes('This subscription belongs to AWS account 1000-0000-0005')));
  assert.equal(agent.cookie('ws_session'), undefined, 'not signed in');
  assert.equal((await subscriptionRow(subscription.licenseArn)).linked_at, null);
  assert.equal((await auditFor(account, 'marketplace.link_refused'))[0]?.details.attemptedAwsAccountId, '100000000055');
});

test('signed in as the right account: one click links; signed in as another: a clear refusal with a sign-out', async () => {
  const right = await registeredAccount(portal, '100000000006');
  const first = subscribe('100000000006', { dimension: 'standard', quantity: 2 });
  await land(right, first.token);
  const confirm = await right.get(LINK);
  assert.match(confirm.body, /You are signed in as AWS account <strong>1000-0000-0006<\/strong>/);
  const linked = await right.post(LINK, {});
  assert.equal(linked.status, 303);
  assert.equal((await provision(right, linked.location)).status, 303);

  const wrong = await registeredAccount(portal, '100000000066');
  const second = subscribe('100000000007');
  await land(wrong, second.token);
  const mismatch = await wrong.get(LINK);
  assert.equal(mismatch.status, 200);
  assert.match(mismatch.body, /You are signed in as AWS account 1000-0000-0066, but this subscription belongs to AWS account 1000-0000-0007/);
  assert.match(mismatch.body, /action="\/portal\/marketplace\/sign-out"/);
  const forced = await wrong.post(LINK, {});
  assert.equal(forced.status, 403);
  assert.equal((await subscriptionRow(second.subscription.licenseArn)).linked_at, null);
  assert.equal((await auditFor('100000000007', 'marketplace.link_refused')).length, 1);

  // Signing out keeps the link cookie: the flow goes on for the subscription's account.
  const out = await wrong.post('/portal/marketplace/sign-out', {});
  assert.equal(out.location, LINK);
  const fresh = await wrong.get(LINK);
  assert.match(fresh.body, /Create your portal account/);
});

test('with MFA, the second sign-in step comes back to the link page', async () => {
  const account = '100000000008';
  await registeredAccount(portal, account, 'mfa-buyer@example.com');
  await portal.services.db.updateTable('portal_accounts').set({ mfa_method: 'email', mfa_enabled_at: portal.clock.now() }).where('aws_account_id', '=', account).execute();
  const { subscription, token } = subscribe(account);
  const agent = new FormAgent(portal.app);
  await land(agent, token);
  await agent.get(LINK);
  const password = await agent.post('/portal/marketplace/sign-in', { accountId: account, password: GOOD_PASSWORD });
  assert.equal(password.location, '/portal/sign-in/verify');
  await agent.get('/portal/sign-in/verify');
  await portal.deliverMail();
  const mail = await portal.inbox.waitFor('mfa-buyer@example.com', /verification code/);
  const code = /^\s*(\d{6})\s*$/m.exec(mail.text)?.[1] ?? '';
  const verified = await agent.post('/portal/sign-in/verify', { code });
  assert.equal(verified.status, 303, errorsOn(verified.body).join(' | '));
  assert.equal(verified.location, LINK);
  const confirm = await agent.get(LINK);
  assert.match(confirm.body, /Link and set up my licence/);
  const linked = await agent.post(LINK, {});
  assert.equal(linked.status, 303);
  assert.ok((await subscriptionRow(subscription.licenseArn)).linked_at !== null);
});

test('invalid, expired and missing registration tokens get a clear page and write nothing', async () => {
  const before = await counts();
  const invalid = await land(new FormAgent(portal.app), 'bm90LWEtcmVhbC10b2tlbg==');
  assert.equal(invalid.status, 400);
  assert.match(invalid.body, /This sign-up link is not valid/);
  assert.match(invalid.body, /choose “Set up your account” again/);

  const { token } = subscribe('100000000009');
  emulatorClock.advance(4 * 3_600_000 + 1000);
  const expired = await land(new FormAgent(portal.app), token);
  assert.equal(expired.status, 400);
  assert.match(expired.body, /This sign-up link has expired/);
  assert.match(expired.body, /To get a fresh one, go back to AWS Marketplace/);

  const missing = await new FormAgent(portal.app).post('/marketplace/landing', {}, FROM_AWS);
  assert.equal(missing.status, 400);
  assert.match(missing.body, /no registration token came with the request/);
  for (const response of [invalid, expired, missing]) assert.equal(([] as string[]).concat(response.headers['set-cookie'] ?? []).filter((c) => c.startsWith(LINK_COOKIE)).length, 0);
  assert.deepEqual(await counts(), before);
});

test('landings are rate-limited per address (each costs a ResolveCustomer call): the next one gets a 429 page saying how long to wait', async () => {
  const limited = await createTestPortal({ env: { AWS_ENDPOINT_URL: emulator.url, MARKETPLACE_PRODUCT_CODE: emulator.productCode, MARKETPLACE_LANDINGS_PER_MINUTE: '3' } });
  try {
    const junk = 'bm90LWEtcmVhbC10b2tlbg==';
    for (let i = 0; i < 3; i++) assert.equal((await land(new FormAgent(limited.app, undefined, '10.9.9.9'), junk)).status, 400);
    const refused = await land(new FormAgent(limited.app, undefined, '10.9.9.9'), junk);
    assert.equal(refused.status, 429);
    assert.match(refused.body, /Too many attempts from your network\. Please wait \d+ seconds/);
    // Another address is not held up, and a real buyer from it lands.
    const { token } = subscribe('100000000077');
    assert.equal((await land(new FormAgent(limited.app, undefined, '10.9.9.10'), token)).status, 200);

    // The count is kept in the database: a second portal process on it shares it (not 3 more per process).
    // As a borrower ('command'): with the embedded server (TEST_DB_MODE=embedded) the first portal owns it.
    const secondServices = await createServices(limited.config, { clock: limited.clock, logger: createLogger('silent'), role: 'command' });
    const second = await buildApp(secondServices);
    try {
      assert.equal((await land(new FormAgent(second, undefined, '10.9.9.9'), junk)).status, 429, 'the address is held up in the other process too');
      assert.equal((await land(new FormAgent(second, undefined, '10.9.9.11'), junk)).status, 400);
      assert.equal((await land(new FormAgent(limited.app, undefined, '10.9.9.11'), junk)).status, 400);
      assert.equal((await land(new FormAgent(second, undefined, '10.9.9.11'), junk)).status, 400);
      assert.equal((await land(new FormAgent(limited.app, undefined, '10.9.9.11'), junk)).status, 429, 'three landings over two processes use up the limit');
      // A new window starts once the minute is over.
      limited.clock.advance(61_000);
      assert.equal((await land(new FormAgent(second, undefined, '10.9.9.9'), junk)).status, 400);
      // The server's sweep removes counters a day past their window.
      assert.equal(await limited.services.rateLimits.deleteStale(), 0);
      limited.clock.advance(25 * 3_600_000);
      assert.equal(await limited.services.rateLimits.deleteStale(), 3);
    } finally {
      await second.close();
      await secondServices.close();
    }
  } finally {
    await limited.close();
  }
});

test('a subscription to another product, or an unusable account ID from AWS, is refused and nothing is written', async () => {
  const before = await counts();
  const { token } = subscribe('100000000010', { productCode: 'someotherproduct' });
  const wrongProduct = await land(new FormAgent(portal.app), token);
  assert.equal(wrongProduct.status, 400);
  assert.match(wrongProduct.body, /This subscription is for another product/);

  const odd = emulator.state.marketplace.create({ awsAccountId: '12345', dimension: 'standard', quantity: 1 });
  tokensSeen.push(odd.token.token);
  const badAccount = await land(new FormAgent(portal.app), odd.token.token);
  assert.equal(badAccount.status, 502);
  assert.match(badAccount.body, /no valid 12-digit AWS account ID/);
  assert.deepEqual(await counts(), before);
});

test('throttling, a disabled API and service errors get 503 pages with what to do next; nothing is written', async () => {
  const before = await counts();
  const cases = [
    { error: 'Throttling', count: 3, text: /AWS Marketplace is busy/ },
    { error: 'DisabledApi', count: 1, text: /AWS Marketplace is not available/ },
    { error: 'InternalServiceError', count: 3, text: /AWS Marketplace is not answering/ },
  ];
  for (const { error, count, text } of cases) {
    const { token } = subscribe('100000000011');
    // The SDK retries throttling and 5xx (3 attempts in all): every attempt fails here.
    emulator.state.faults.failNext({ operation: 'ResolveCustomer', error, count });
    const response = await land(new FormAgent(portal.app), token);
    assert.equal(response.status, 503, error);
    assert.match(response.body, text);
    assert.match(response.body, /Your subscription itself is not affected/);
    assert.equal(response.headers['retry-after'], '60');
    assert.doesNotMatch(response.body, /Exception|stack|at .*\.ts/);
    emulator.state.faults.clear();
  }
  assert.deepEqual(await counts(), before);
});

test('a handshake works once: a replay, a tampered or an expired one gets a clear page and links nothing', async () => {
  const { token } = subscribe('100000000012');
  const agent = new FormAgent(portal.app);
  await land(agent, token);
  const handshake = agent.cookie(LINK_COOKIE) ?? '';
  assert.match(handshake, /^[0-9a-f-]{36}\.\d+\.[\w-]{43}\.[\w-]{43}$/);

  // Tampered: each part changed, or a valid one bound to another subscription.
  const [id = '', expiry = '', nonce = '', mac = ''] = handshake.split('.');
  const other = subscribe('100000000013');
  const otherAgent = new FormAgent(portal.app);
  await land(otherAgent, other.token);
  const otherId = (otherAgent.cookie(LINK_COOKIE) ?? '').split('.')[0] ?? '';
  for (const forged of [[otherId, expiry, nonce, mac], [id, String(Number(expiry) + 3600), nonce, mac], [id, expiry, nonce, `${mac.slice(0, -2)}AA`], ['garbage']]) {
    const attacker = new FormAgent(portal.app);
    await attacker.get('/portal/register'); // a CSRF token, as any visitor has
    attacker.setCookie(LINK_COOKIE, forged.join('.'));
    const page = await attacker.get(LINK);
    assert.equal(page.status, 400, forged.join('.'));
    assert.match(page.body, /This set-up link is not valid/);
    attacker.setCookie(LINK_COOKIE, forged.join('.'));
    const post = await attacker.post('/portal/marketplace/register', { email: 'x@example.com', password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD });
    assert.equal(post.status, 400);
    assert.match(post.body, /This set-up link is not valid/);
  }

  // Used once (registration), then replayed from another browser.
  await agent.get(LINK);
  const registered = await agent.post('/portal/marketplace/register', { email: 'buyer12@example.com', password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD });
  assert.equal(registered.status, 303, errorsOn(registered.body).join(' | '));
  const replay = new FormAgent(portal.app);
  await replay.get('/portal/sign-in');
  replay.setCookie(LINK_COOKIE, handshake);
  const replayed = await replay.get(LINK);
  assert.equal(replayed.status, 400);
  assert.match(replayed.body, /This set-up link has already been used/);
  replay.setCookie(LINK_COOKIE, handshake); // the page dropped it; a replayer sends it again
  const again = await replay.post('/portal/marketplace/sign-in', { accountId: '100000000012', password: GOOD_PASSWORD });
  assert.equal(again.status, 400);
  assert.match(again.body, /already been used/);
  assert.equal(replay.cookie('ws_session'), undefined, 'a replay signs nobody in');

  // Expired after 15 minutes.
  portal.clock.advance(15 * 60_000 + 1000);
  const late = await otherAgent.get(LINK);
  assert.equal(late.status, 400);
  assert.match(late.body, /This set-up link has expired/);
  assert.equal(otherAgent.cookie(LINK_COOKIE), undefined, 'a dead handshake cookie is cleared');

  const none = await new FormAgent(portal.app).get(LINK);
  assert.equal(none.status, 400);
  assert.match(none.body, /No subscription to link/);
});

test('landing twice for the same licence ARN updates the subscription rather than duplicating it', async () => {
  const { subscription, token } = subscribe('100000000014');
  await land(new FormAgent(portal.app), token);
  const first = await subscriptionRow(subscription.licenseArn);
  const before = await counts();

  portal.clock.advance(60_000);
  const second = emulator.state.marketplace.issueToken(subscription);
  tokensSeen.push(second.token);
  const agent = new FormAgent(portal.app);
  assert.equal((await land(agent, second.token)).status, 200);
  const again = await subscriptionRow(subscription.licenseArn);
  assert.equal(again.id, first.id);
  assert.ok((again.landed_at?.getTime() ?? 0) > (first.landed_at?.getTime() ?? 0));
  const after = await counts();
  assert.equal(after.subscriptions, before.subscriptions, 'no second row');
  assert.equal(after.handshakes, before.handshakes + 1, 'a new handshake');
  assert.deepEqual((await auditFor('100000000014', 'marketplace.landed')).map((e) => e.details.newSubscription), [true, false]);
  // The second landing's handshake links as usual.
  await agent.get(LINK);
  const registered = await agent.post('/portal/marketplace/register', { email: 'buyer14@example.com', password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD });
  assert.equal(registered.status, 303);
});

test('provisioning reads every page of entitlements and keeps one licence per agreement', async () => {
  // Sixty other buyers first: the buyer's entitlements are on later pages, behind pages that are empty
  // after filtering but still carry a NextToken.
  for (let i = 0; i < 60; i += 1) emulator.state.marketplace.create({ awsAccountId: String(200000000000 + i), dimension: 'standard', quantity: 1 });
  const account = '100000000015';
  const agreementA = subscribe(account, { dimension: 'standard', quantity: 3, days: 100 });
  const agreementB = subscribe(account, { dimension: 'enterprise', quantity: 2, days: 200 });

  const agent = new FormAgent(portal.app);
  await land(agent, agreementA.token);
  await agent.get(LINK);
  const registered = await agent.post('/portal/marketplace/register', { email: 'buyer15@example.com', password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD });
  assert.equal((await provision(agent, registered.location)).status, 303);

  await land(agent, agreementB.token);
  await agent.get(LINK);
  const linked = await agent.post(LINK, {});
  assert.equal((await provision(agent, linked.location)).status, 303);

  const licences = await portal.services.db.selectFrom('licences').selectAll().where('aws_account_id', '=', account).orderBy('plan').execute();
  assert.deepEqual(licences.map((l) => [l.plan, l.seats, l.source]), [['enterprise', 2, 'marketplace'], ['standard', 3, 'marketplace']]);
  const page = await agent.get('/portal/entitlements');
  assert.match(licenceRow(page.body, 'enterprise'), /\|0 \/ 2\|/);
  assert.match(licenceRow(page.body, 'standard'), /\|0 \/ 3\|/);
});

test('an AWS error while provisioning shows a retry button, writes nothing, and the retry succeeds', async () => {
  const account = '100000000016';
  const { subscription, token } = subscribe(account, { dimension: 'standard', quantity: 4 });
  const agent = new FormAgent(portal.app);
  await land(agent, token);
  await agent.get(LINK);
  const registered = await agent.post('/portal/marketplace/register', { email: 'buyer16@example.com', password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD });
  const progress = await agent.get(registered.location ?? '');
  const subscriptionId = /name="subscription" value="([^"]+)"/.exec(progress.body)?.[1] ?? '';

  emulator.state.faults.failNext({ operation: 'GetEntitlements', error: 'Throttling', count: 3 });
  const failed = await agent.post('/portal/marketplace/provision', { subscription: subscriptionId });
  assert.equal(failed.status, 503);
  assert.match(failed.body, /AWS Marketplace is busy/);
  assert.match(failed.body, />Try again</);
  assert.doesNotMatch(failed.body, /data-auto-submit/, 'no automatic loop after a failure');
  assert.equal((await portal.services.db.selectFrom('licences').select('id').where('aws_account_id', '=', account).execute()).length, 0);
  assert.equal((await subscriptionRow(subscription.licenseArn)).licence_id, null);

  const retried = await agent.post('/portal/marketplace/provision', { subscription: subscriptionId });
  assert.equal(retried.status, 303);
  assert.equal((await portal.services.db.selectFrom('licences').select('id').where('aws_account_id', '=', account).execute()).length, 1);
});

test('provisioning again follows AWS: an upgrade amends the same licence through the lifecycle', async () => {
  const account = '100000000017';
  const { subscription, token } = subscribe(account, { dimension: 'standard', quantity: 2, days: 30 });
  const agent = new FormAgent(portal.app);
  await land(agent, token);
  await agent.get(LINK);
  const registered = await agent.post('/portal/marketplace/register', { email: 'buyer17@example.com', password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD });
  assert.equal((await provision(agent, registered.location)).status, 303);

  emulator.state.marketplace.update(subscription, { dimension: 'enterprise', quantity: 10, expiresAt: new Date(emulatorClock.now().getTime() + 400 * DAY) });
  const again = await provision(agent, registered.location);
  assert.equal(again.status, 303);
  const licences = await portal.services.db.selectFrom('licences').selectAll().where('aws_account_id', '=', account).execute();
  assert.equal(licences.length, 1);
  assert.deepEqual([licences[0]?.plan, licences[0]?.seats], ['enterprise', 10]);
  const transitions = await portal.services.licences.transitionsFor(licences[0]?.id ?? '');
  assert.deepEqual(transitions.map((t) => t.action), ['issue', 'renew', 'amend']);
  // Nothing changed in AWS: provisioning again changes nothing.
  assert.equal((await provision(agent, registered.location)).status, 303);
  assert.equal((await portal.services.licences.transitionsFor(licences[0]?.id ?? '')).length, 3);
});

test('only the signed-in owner of a linked subscription can provision it', async () => {
  const { token } = subscribe('100000000018');
  const owner = new FormAgent(portal.app);
  await land(owner, token);
  await owner.get(LINK);
  const registered = await owner.post('/portal/marketplace/register', { email: 'buyer18@example.com', password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD });
  const subscriptionId = /subscription=([0-9a-f-]{36})/.exec(registered.location ?? '')?.[1] ?? '';

  const anonymous = await new FormAgent(portal.app).get(`/portal/marketplace/provision?subscription=${subscriptionId}`);
  assert.equal(anonymous.status, 303);
  assert.match(anonymous.location ?? '', /^\/portal\/sign-in\?next=/);

  const stranger = await registeredAccount(portal, '100000000088');
  assert.equal((await stranger.get(`/portal/marketplace/provision?subscription=${subscriptionId}`)).status, 404);
  const posted = await stranger.post('/portal/marketplace/provision', { subscription: subscriptionId });
  assert.equal(posted.status, 404);
  assert.match(posted.body, /Subscription not found/);
  assert.equal((await portal.services.db.selectFrom('licences').select('id').where('aws_account_id', '=', '100000000018').execute()).length, 0);
});

test('no registration token ever reached the log', () => {
  assert.ok(logLines.length > 0, 'the log was captured');
  const log = logLines.join('');
  for (const token of tokensSeen) {
    assert.ok(!log.includes(token) && !log.includes(encodeURIComponent(token)), 'a token is in the log');
  }
});
