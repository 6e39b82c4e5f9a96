/**
 * The Marketplace subscription upsert (src/marketplace/marketplace.repo.ts): landings of one licence ARN racing
 * on several connections make exactly one row; the landing that commits last leaves its state; a notification
 * creating the subscription while others do locks the one row instead of making another.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMarketplaceRepo, type SubscriptionIdentity } from '../../src/marketplace/marketplace.repo.js';
import { RACERS, race, scratchDb } from './scratch.js';

const db = await scratchDb('wsp_repo_marketplace');
const repo = createMarketplaceRepo(db);
const at = (minute: number) => new Date(Date.UTC(2030, 0, 1, 12, minute));
const customer = (licence: string, customerIdentifier: string | null = null): SubscriptionIdentity => ({
  licenceArn: `arn:aws:license-manager::123456789012:license:l-${licence}`,
  awsAccountId: '123456789012',
  productCode: 'webstream-product',
  customerIdentifier,
});

const rowsFor = (licenceArn: string) => db.selectFrom('marketplace_subscriptions').selectAll().where('licence_arn', '=', licenceArn).execute();

test('concurrent landings of one customer and product make exactly one row, inserted once', async () => {
  const identity = customer('race', 'cust-race');
  const results = await race(db, RACERS, (trx, i) => repo.upsertFromLanding(identity, at(i), trx));
  assert.equal(results.filter((r) => r?.inserted === true).length, 1);
  assert.equal(new Set(results.map((r) => r?.row.id)).size, 1, 'every landing names the same subscription');
  const rows = await rowsFor(identity.licenceArn);
  assert.equal(rows.length, 1);
  assert.ok(results.some((r) => r?.row.landed_at?.getTime() === rows[0]?.landed_at?.getTime()), 'the row holds one landing’s state whole');
});

test('a landing waiting on an uncommitted first landing updates the row it commits: the newest landing wins', async () => {
  const identity = customer('ordered');
  let firstWrote: () => void = () => undefined;
  const firstHasWritten = new Promise<void>((resolve) => {
    firstWrote = resolve;
  });
  let releaseFirst: () => void = () => undefined;
  const firstMayCommit = new Promise<void>((resolve) => {
    releaseFirst = resolve;
  });
  const first = db.transaction().execute(async (trx) => {
    const result = await repo.upsertFromLanding(identity, at(1), trx);
    firstWrote();
    await firstMayCommit;
    return result;
  });
  await firstHasWritten;
  // The second landing (with the customer identifier AWS has only now given) meets the uncommitted row and waits for it.
  const second = db.transaction().execute((trx) => repo.upsertFromLanding({ ...identity, customerIdentifier: 'cust-later' }, at(2), trx));
  await new Promise((resolve) => setTimeout(resolve, 100));
  releaseFirst();
  const [a, b] = await Promise.all([first, second]);
  assert.equal(a?.inserted, true);
  assert.equal(b?.inserted, false);
  assert.equal(b.row.id, a.row.id);
  const rows = await rowsFor(identity.licenceArn);
  assert.equal(rows.length, 1);
  assert.deepEqual([rows[0]?.landed_at, rows[0]?.customer_identifier], [at(2), 'cust-later']);
});

test('a landing for a licence ARN on record for another AWS account changes nothing, even racing', async () => {
  const identity = customer('other-account');
  await repo.upsertFromLanding(identity, at(1));
  const results = await race(db, 4, (trx, i) => repo.upsertFromLanding({ ...identity, awsAccountId: '210987654321' }, at(10 + i), trx));
  assert.ok(results.every((r) => r === undefined));
  const rows = await rowsFor(identity.licenceArn);
  assert.deepEqual([rows.length, rows[0]?.aws_account_id, rows[0]?.landed_at], [1, '123456789012', at(1)]);
});

test('notifications creating one subscription at once: one creates it, the others get the same row, locked', async () => {
  const identity = customer('notified');
  const results = await race(db, RACERS, (trx) => repo.lockOrCreateSubscription(identity, 'subscribed', at(3), trx));
  assert.equal(results.filter((r) => r.created).length, 1);
  assert.equal(new Set(results.map((r) => r.row.id)).size, 1);
  assert.equal((await rowsFor(identity.licenceArn)).length, 1);
});
