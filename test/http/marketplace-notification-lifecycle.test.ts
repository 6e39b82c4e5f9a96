/**
 * AWS Marketplace notifications (DESIGN.md §4 step 6) against the local AWS emulator, the lifecycle they drive:
 * SNS and EventBridge messages through the SQS queue (official SDK client, the portal's own poller) create,
 * renew, resize and end the subscription and its licence, before or after the buyer reaches the portal.
 * How they are delivered (duplicates, order, failures, several pollers, SNS HTTPS): marketplace-notification-delivery.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorsOn, FormAgent } from '../support/form-agent.js';
import { auditCount, DAY, db, drain, emulator, emulatorClock, FROM_AWS, idOf, licenceOf, licencesOf, notificationRow, notify, portal, purgeQueue, queueDepth, sameSecond, sendToQueue, subscribe, subscriptionRow, transitionsOf, useNotificationsPortal } from '../support/marketplace-notifications.js';
import { GOOD_PASSWORD } from '../support/test-portal.js';

useNotificationsPortal();

test('subscribe-success before the buyer arrives creates the subscription and licence; the buyer then lands, registers and provisions the same licence', async () => {
  const account = '200000000001';
  const { subscription, token } = subscribe(account, { dimension: 'professional', quantity: 7, days: 365 });
  const sent = await notify(subscription, 'subscribe-success');
  assert.deepEqual((await drain()).map((r) => r.outcome), ['processed']);
  assert.deepEqual(queueDepth(), { visible: 0, inFlight: 0 }, 'deleted once processed');

  // SNS names only the customer identifier (a new integration never gets it from ResolveCustomer): GetEntitlements maps it.
  const row = await subscriptionRow(subscription.licenseArn);
  assert.ok(row !== undefined);
  assert.deepEqual([row.status, row.aws_account_id, row.customer_identifier, row.landed_at, row.linked_at], ['subscribed', account, subscription.customerIdentifier, null, null]);
  const licence = await licenceOf(subscription.licenseArn);
  assert.deepEqual([licence.status, licence.source, licence.plan, licence.seats], ['active', 'marketplace', 'professional', 7]);
  assert.ok(sameSecond(licence.ends_at, subscription.expiresAt ?? new Date(0)));
  const stored = await notificationRow(idOf(sent));
  assert.deepEqual(
    [stored.status, stored.source, stored.kind, stored.action, stored.subscription_id, stored.customer_identifier, stored.product_code, stored.attempts, stored.status_set],
    ['processed', 'sqs', 'subscribe-success', 'subscribe-success', row.id, subscription.customerIdentifier, emulator.productCode, 1, 'subscribed'],
  );
  assert.match(stored.outcome ?? '', /subscription recorded as subscribed; licence create/);
  assert.equal(stored.body, sent.body, 'the raw body is kept');
  assert.equal(await auditCount(account, 'marketplace.notification_processed'), 1);

  // The buyer comes later: lands, creates the portal account on the link page, provisions.
  const agent = new FormAgent(portal.app, portal.config.publicUrl.origin);
  const landed = await agent.post('/marketplace/landing', { 'x-amzn-marketplace-token': token.token }, FROM_AWS);
  assert.equal(landed.status, 200, errorsOn(landed.body).join(' | '));
  await agent.get('/portal/marketplace/link');
  const registered = await agent.post('/portal/marketplace/register', { accountId: account, email: 'early@example.com', password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD });
  assert.equal(registered.status, 303, errorsOn(registered.body).join(' | '));
  const progress = await agent.get(registered.location ?? '');
  const subscriptionId = /name="subscription" value="([^"]+)"/.exec(progress.body)?.[1] ?? '';
  assert.equal(subscriptionId, row.id, 'the same subscription, not a second one');
  const provisioned = await agent.post('/portal/marketplace/provision', { subscription: subscriptionId });
  assert.equal(provisioned.location, '/portal/entitlements?notice=marketplace-provisioned');
  const page = await agent.get('/portal/entitlements');
  assert.match(page.body, /professional/);
  assert.match(page.body, /0 \/ 7/);

  const licences = await licencesOf(account);
  assert.equal(licences.length, 1, 'one licence: provisioning found the one the notification made');
  assert.deepEqual(await transitionsOf(licence.id), ['issue→active']);
  const after = await subscriptionRow(subscription.licenseArn);
  assert.ok(after?.provisioned_at !== null && after?.landed_at !== null && after?.licence_id === licence.id);
});

test('a buyer who provisions before any notification: the customer identifier is learned from the entitlements, so a later SNS unsubscribe finds the licence', async () => {
  const account = '200000000031';
  const { subscription, token } = subscribe(account, { dimension: 'standard', quantity: 3, days: 365 });
  const agent = new FormAgent(portal.app, portal.config.publicUrl.origin);
  const landed = await agent.post('/marketplace/landing', { 'x-amzn-marketplace-token': token.token }, FROM_AWS);
  assert.equal(landed.status, 200, errorsOn(landed.body).join(' | '));
  await agent.get('/portal/marketplace/link');
  const registered = await agent.post('/portal/marketplace/register', { accountId: account, email: 'first-buyer@example.com', password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD });
  assert.equal(registered.status, 303, errorsOn(registered.body).join(' | '));
  const progress = await agent.get(registered.location ?? '');
  const subscriptionId = /name="subscription" value="([^"]+)"/.exec(progress.body)?.[1] ?? '';
  const provisioned = await agent.post('/portal/marketplace/provision', { subscription: subscriptionId });
  assert.equal(provisioned.location, '/portal/entitlements?notice=marketplace-provisioned');
  assert.equal((await subscriptionRow(subscription.licenseArn))?.customer_identifier, subscription.customerIdentifier);

  await notify(subscription, 'unsubscribe-success');
  assert.deepEqual((await drain()).map((r) => r.outcome), ['processed']);
  const licence = await licenceOf(subscription.licenseArn);
  assert.equal(licence.status, 'expired');
  assert.equal((await subscriptionRow(subscription.licenseArn))?.status, 'unsubscribed');
});

test('SNS lifecycle: entitlement-updated renews and resizes, unsubscribe-pending marks it ending, unsubscribe-success ends the licence', async () => {
  const account = '200000000002';
  const { subscription } = subscribe(account, { dimension: 'standard', quantity: 3, days: 365 });
  await notify(subscription, 'subscribe-success');
  await drain();
  const licence = await licenceOf(subscription.licenseArn);
  assert.deepEqual([licence.plan, licence.seats, licence.status], ['standard', 3, 'active']);

  // A contract renewal with more seats: the message carries nothing, so the terms come from GetEntitlements.
  const renewedUntil = new Date(emulatorClock.now().getTime() + 730 * DAY);
  emulator.state.marketplace.update(subscription, { quantity: 9, expiresAt: renewedUntil });
  const updated = await notify(subscription, 'entitlement-updated');
  assert.deepEqual((await drain()).map((r) => r.outcome), ['processed']);
  const renewed = await licenceOf(subscription.licenseArn);
  assert.equal(renewed.seats, 9);
  assert.ok(sameSecond(renewed.ends_at, renewedUntil));
  assert.match((await notificationRow(idOf(updated))).outcome ?? '', /subscription stays subscribed; licence renew, amend/);

  await notify(subscription, 'unsubscribe-pending');
  await drain();
  assert.equal((await subscriptionRow(subscription.licenseArn))?.status, 'unsubscribe_pending');
  assert.equal((await licenceOf(subscription.licenseArn)).status, 'active', 'still entitled during the final metering hour');

  const ended = await notify(subscription, 'unsubscribe-success');
  await drain();
  assert.equal((await subscriptionRow(subscription.licenseArn))?.status, 'unsubscribed');
  const expired = await licenceOf(subscription.licenseArn);
  assert.equal(expired.status, 'expired');
  assert.ok((expired.ends_at?.getTime() ?? Infinity) <= portal.clock.now().getTime());
  assert.deepEqual(await transitionsOf(licence.id), ['issue→active', 'renew→active', 'amend→active', 'amend→active', 'expire→expired']);
  const transitions = await portal.services.licences.transitionsFor(licence.id);
  assert.ok(transitions.every((t) => t.actor === 'marketplace'));
  assert.match(transitions.at(-1)?.reason ?? '', new RegExp(`unsubscribe-success \\(${idOf(ended)}\\)`));
  assert.equal(await auditCount(account, 'marketplace.notification_processed'), 4, 'one per change');
});

test('EventBridge events drive the same lifecycle, the licence ARN matched with or without "arn:"', async () => {
  const account = '200000000003';
  const { subscription } = subscribe(account, { dimension: 'enterprise', quantity: 2, days: 90 });
  const created = await notify(subscription, 'Purchase Agreement Created - Manufacturer');
  await drain();
  const row = await subscriptionRow(subscription.licenseArn);
  assert.equal(row?.status, 'subscribed');
  assert.equal(row.customer_identifier, null, 'EventBridge names the account and licence, not a customer identifier');
  assert.equal((await notificationRow(idOf(created))).aws_account_id, account);
  const licence = await licenceOf(subscription.licenseArn);
  assert.deepEqual([licence.plan, licence.seats, licence.status], ['enterprise', 2, 'active']);

  emulator.state.marketplace.update(subscription, { quantity: 5 });
  await notify(subscription, 'License Updated - Manufacturer');
  await drain();
  assert.equal((await licenceOf(subscription.licenseArn)).seats, 5);

  // An amendment that brings the end date forward (EventBridge carries no terms: they are read again).
  const earlier = new Date(emulatorClock.now().getTime() + 30 * DAY);
  emulator.state.marketplace.update(subscription, { expiresAt: earlier });
  const amended = await notify(subscription, 'Purchase Agreement Amended - Manufacturer');
  await drain();
  assert.equal((await notificationRow(idOf(amended))).status, 'processed');
  assert.ok(sameSecond((await licenceOf(subscription.licenseArn)).ends_at, earlier));

  // Purchase Agreement Ended as in AWS's example: the licence ARN without its leading "arn:".
  const ended = await notify(subscription, 'Purchase Agreement Ended - Manufacturer');
  const event = JSON.parse(ended.body) as { detail: { license: { arn: string } } };
  event.detail.license.arn = event.detail.license.arn.replace(/^arn:/, '');
  await purgeQueue();
  await sendToQueue(JSON.stringify(event));
  await drain();
  assert.equal((await subscriptionRow(subscription.licenseArn))?.status, 'unsubscribed');
  assert.equal((await licenceOf(subscription.licenseArn)).status, 'expired');
  assert.equal((await notificationRow(idOf(ended))).subscription_id, row.id);

  // License Deprovisioned ends another agreement the same way.
  const second = subscribe('200000000033', { days: 365 }).subscription;
  await notify(second, 'Purchase Agreement Created - Manufacturer');
  await notify(second, 'License Deprovisioned - Manufacturer');
  await drain();
  assert.equal((await subscriptionRow(second.licenseArn))?.status, 'unsubscribed');
  assert.equal((await licenceOf(second.licenseArn)).status, 'expired');

  // An event naming a licence on record for another AWS account changes nothing and is kept as failed.
  const third = subscribe('200000000034').subscription;
  await notify(third, 'Purchase Agreement Created - Manufacturer');
  await drain();
  const hijack = await notify(third, 'Purchase Agreement Ended - Manufacturer');
  const forged = JSON.parse(hijack.body) as { id: string; detail: { acceptor: { accountId: string } } };
  forged.id = `${forged.id}-other`;
  forged.detail.acceptor.accountId = '299999999999';
  await purgeQueue();
  await sendToQueue(JSON.stringify(forged));
  assert.deepEqual((await drain()).map((r) => r.outcome), ['failed']);
  assert.match((await notificationRow(forged.id)).outcome ?? '', /on record for AWS account 200000000034, but the notification is about 299999999999/);
  assert.equal((await subscriptionRow(third.licenseArn))?.status, 'subscribed');
  assert.equal((await licenceOf(third.licenseArn)).status, 'active');
});

test('a notification that writes the licence ARN another way (a region, "license/") finds the subscription by its licence id', async () => {
  const account = '200000000036';
  const { subscription } = subscribe(account);
  await notify(subscription, 'Purchase Agreement Created - Manufacturer');
  await drain();
  const row = await subscriptionRow(subscription.licenseArn);
  assert.ok(row !== undefined);
  const licenceId = subscription.licenseArn.slice(subscription.licenseArn.lastIndexOf(':') + 1);
  assert.equal(row.aws_licence_id, licenceId, 'the database keeps the id that ends the ARN');

  // Only the licence id is the same as the ARN on record: an equality on the whole ARN would miss it.
  const ended = await notify(subscription, 'Purchase Agreement Ended - Manufacturer');
  const event = JSON.parse(ended.body) as { id: string; detail: { license: { arn: string } } };
  event.detail.license.arn = `aws:license-manager:us-east-1:999988887777:license/${licenceId}`;
  await purgeQueue();
  await sendToQueue(JSON.stringify(event));
  assert.deepEqual((await drain()).map((r) => r.outcome), ['processed']);
  assert.equal((await notificationRow(event.id)).subscription_id, row.id);
  assert.equal((await subscriptionRow(subscription.licenseArn))?.status, 'unsubscribed');
  assert.equal((await licenceOf(subscription.licenseArn)).status, 'expired');
  const rows = await db().selectFrom('marketplace_subscriptions').select('id').where('aws_account_id', '=', account).execute();
  assert.deepEqual(rows.map((r) => r.id), [row.id], 'no second subscription for the other spelling');
});

test('subscribe-fail marks a landed subscription failed (no licence), and the buyer cannot provision it', async () => {
  const account = '200000000004';
  // A legacy listing: ResolveCustomer returns the customer identifier that SNS messages use.
  const { subscription, token } = subscribe(account, { legacyListing: true });
  const agent = new FormAgent(portal.app, portal.config.publicUrl.origin);
  assert.equal((await agent.post('/marketplace/landing', { 'x-amzn-marketplace-token': token.token }, FROM_AWS)).status, 200);
  const sent = await notify(subscription, 'subscribe-fail');
  await drain();
  const row = await subscriptionRow(subscription.licenseArn);
  assert.deepEqual([row?.status, row?.licence_id], ['subscribe_failed', null]);
  assert.equal((await notificationRow(idOf(sent))).status_set, 'subscribe_failed');
  assert.equal((await licencesOf(account)).length, 0);

  await agent.get('/portal/marketplace/link');
  const registered = await agent.post('/portal/marketplace/register', { accountId: account, email: 'failed@example.com', password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD });
  assert.equal(registered.status, 303);
  const refused = await agent.post('/portal/marketplace/provision', { subscription: row?.id ?? '' });
  assert.equal(refused.status, 409);
  assert.match(refused.body, /This subscription is not active/);
});
