/**
 * The AWS Marketplace buyer journey over HTTP (DESIGN.md §4 steps 3–5) against the local AWS emulator, after
 * the landing: the link page (registration, sign-in, one-time passwords, MFA, the wrong account) and
 * provisioning (GetEntitlements), with the ways it can fail. Landing itself: marketplace-landing.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { registeredAccount } from '../support/accounts.js';
import { errorsOn, FormAgent } from '../support/form-agent.js';
import { auditFor, DAY, emulator, emulatorClock, land, licenceRow, LINK, LINK_COOKIE, noTokenReachedTheLog, portal, provision, subscribe, subscriptionRow, useJourneyPortal } from '../support/marketplace-journey.js';
import { mfaHelpers } from '../support/mfa.js';
import { GOOD_PASSWORD, issueLicence } from '../support/test-portal.js';
import { totpCodeAt } from '../../src/mfa/totp.js';

useJourneyPortal();
const { startTotp } = mfaHelpers(() => portal);

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
  assert.equal(signedIn.location, LINK, 'back to the link page, which sends the session to its gate');
  assert.equal((await subscriptionRow(subscription.licenseArn)).linked_at, null, 'nothing linked yet');
  assert.equal((await agent.get(LINK)).location, '/portal/change-password');
  assert.equal((await agent.post(LINK, {})).location, LINK, 'a post goes back to the link page, which sends it on');
  assert.equal((await subscriptionRow(subscription.licenseArn)).linked_at, null);

  // The new password chosen, the customer is brought back to the link page, where one click links.
  await agent.get('/portal/change-password');
  const changed = await agent.post('/portal/change-password', { newPassword: 'Another-Good-Passphrase-7', newPasswordConfirm: 'Another-Good-Passphrase-7' });
  assert.equal(changed.location, `${LINK}?notice=password-set`, errorsOn(changed.body).join(' | '));
  assert.match((await agent.get(LINK)).body, /You are signed in as AWS account <strong>1000-0000-0044<\/strong>/);
  assert.equal((await provision(agent, (await agent.post(LINK, {})).location)).status, 303);
  assert.ok((await subscriptionRow(subscription.licenseArn)).licence_id !== null);
});

test('while the portal requires MFA, a buyer without it sets it up before provisioning and then carries on where they were', async () => {
  const account = '100000000045';
  await registeredAccount(portal, account);
  const { subscription, token } = subscribe(account, { dimension: 'professional', quantity: 2 });
  await portal.services.settings.setMfaRequiredForCustomers(true, portal.clock.now());
  try {
    const agent = new FormAgent(portal.app);
    await land(agent, token);
    await agent.get(LINK);
    const signedIn = await agent.post('/portal/marketplace/sign-in', { accountId: account, password: GOOD_PASSWORD });
    const provisionPath = signedIn.location ?? '';
    assert.match(provisionPath, /^\/portal\/marketplace\/provision\?subscription=/, 'signing in links the subscription');
    assert.ok((await subscriptionRow(subscription.licenseArn)).linked_at !== null);
    const gated = await agent.get(provisionPath);
    assert.equal(gated.location, '/portal/settings?notice=mfa-required#mfa-heading', 'provisioning waits for MFA');
    assert.equal((await agent.post('/portal/marketplace/provision', { subscription: /subscription=(.+)$/.exec(provisionPath)?.[1] ?? '' })).location, '/portal/settings?notice=mfa-required#mfa-heading');
    assert.equal((await subscriptionRow(subscription.licenseArn)).licence_id, null, 'nothing provisioned yet');

    const secret = await startTotp(agent);
    const enabled = await agent.post('/portal/settings/mfa/totp', { code: totpCodeAt(secret, portal.clock.now()) });
    assert.equal(enabled.status, 200, errorsOn(enabled.body).join(' | '));
    // Onward to the provisioning page MFA set-up interrupted.
    const onward = /<a class="button block" href="([^"]+)">I have saved these codes, continue<\/a>/.exec(enabled.body)?.[1]?.replaceAll('&amp;', '&');
    assert.equal(onward, provisionPath);
    assert.equal(agent.cookie('ws_resume'), undefined, 'the remembered page is used once');
    assert.equal((await provision(agent, onward)).status, 303);
    assert.ok((await subscriptionRow(subscription.licenseArn)).licence_id !== null, 'provisioned after MFA');
  } finally {
    await portal.services.settings.setMfaRequiredForCustomers(false, portal.clock.now());
  }
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

test('no registration token ever reached the log', noTokenReachedTheLog);
