/**
 * The AWS Marketplace buyer journey over HTTP (DESIGN.md §4 steps 1–3) against the local AWS emulator:
 * landing (ResolveCustomer), the link handshake it starts, and every way a landing can fail (bad tokens,
 * the rate limit, another product, AWS errors, a replayed or tampered handshake).
 * Linking and provisioning: marketplace-link-and-provision.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../src/config/logger.js';
import { buildApp } from '../../src/app.js';
import { hashToken } from '../../src/core/tokens.js';
import { createServices } from '../../src/services.js';
import { errorsOn, FormAgent } from '../support/form-agent.js';
import { auditFor, counts, emulator, emulatorClock, FROM_AWS, land, LINK, LINK_COOKIE, noTokenReachedTheLog, portal, subscribe, subscriptionRow, tokensSeen, useJourneyPortal } from '../support/marketplace-journey.js';
import { createTestPortal, GOOD_PASSWORD } from '../support/test-portal.js';

useJourneyPortal();

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

test('no registration token ever reached the log', noTokenReachedTheLog);
