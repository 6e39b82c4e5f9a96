/**
 * Single-use secrets racing (password reset links, email verification links, sign-in challenges, Marketplace
 * link handshakes, staff invitation links and staff sign-in challenges): however many connections redeem one at the same moment, exactly one succeeds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAccountTokensRepo } from '../../src/accounts/account-tokens.repo.js';
import { createAccountsRepo } from '../../src/accounts/accounts.repo.js';
import { hashToken } from '../../src/core/tokens.js';
import { createMarketplaceRepo } from '../../src/marketplace/marketplace.repo.js';
import { createSignInChallengesRepo } from '../../src/sign-in/sign-in-challenges.repo.js';
import { createStaffRepo } from '../../src/admin/staff.repo.js';
import { createStaffSessionsRepo } from '../../src/admin/staff-sessions.repo.js';
import { RACERS, race, scratchDb } from './scratch.js';

const db = await scratchDb('wsp_repo_single_use');
const tokens = createAccountTokensRepo(db);
const accounts = createAccountsRepo(db, tokens);
const now = new Date('2030-01-01T12:00:00Z');
const later = new Date(now.getTime() + 3_600_000);
const account = await accounts.insert({ awsAccountId: '123456789012', email: 'owner@example.com', passwordHash: 'not-a-real-hash', now });

const successes = (results: unknown[]) => results.filter((r) => r !== false && r !== undefined).length;

test('a password reset link redeemed by many requests at once is spent exactly once', async () => {
  const tokenHash = hashToken('reset-link-under-race');
  await tokens.insertResetToken({ tokenHash, accountId: account.id, now, expiresAt: later });
  const results = await race(db, RACERS, (trx) => tokens.spendResetToken(tokenHash, now, trx));
  assert.equal(successes(results), 1);
  assert.equal(await tokens.spendResetToken(tokenHash, now), false, 'and stays spent');
});

test('an email verification link confirmed by many requests at once is spent exactly once', async () => {
  const tokenHash = hashToken('verification-link-under-race');
  await tokens.insertVerificationToken({ tokenHash, accountId: account.id, email: 'new@example.com', now, expiresAt: later });
  const results = await race(db, RACERS, (trx) => tokens.spendVerificationToken(tokenHash, now, trx));
  assert.equal(successes(results), 1);
  assert.deepEqual(results.find((r) => r !== undefined), { account_id: account.id, email: 'new@example.com' });
});

test('a sign-in challenge completed by many tabs at once is consumed exactly once', async () => {
  const challenges = createSignInChallengesRepo(db);
  const { token } = await challenges.create({ accountId: account.id, reason: 'mfa', returnPath: null, now });
  const results = await race(db, RACERS, (trx) => challenges.consume(token, trx));
  assert.equal(successes(results), 1);
});

test('a Marketplace link handshake claimed by many requests at once is spent exactly once, by one account', async () => {
  const marketplace = createMarketplaceRepo(db);
  const landed = await marketplace.upsertFromLanding({ licenceArn: 'arn:aws:license-manager::123456789012:license:l-handshake', awsAccountId: '123456789012', productCode: 'webstream-product', customerIdentifier: null }, now);
  assert.ok(landed);
  const nonceHash = hashToken('handshake-nonce-under-race');
  await marketplace.insertHandshake({ nonceHash, subscriptionId: landed.row.id, now, expiresAt: later });
  const results = await race(db, RACERS, (trx) => marketplace.spendHandshake(nonceHash, landed.row.id, account.id, now, trx));
  assert.equal(successes(results), 1);
  const handshake = await marketplace.findHandshake(nonceHash);
  assert.deepEqual(handshake?.usedAt, now);
});

test('a staff invitation link accepted by many requests at once is spent exactly once; a new link replaces the old', async () => {
  const staff = createStaffRepo(db);
  const member = await staff.insert({ email: 'racer@webstream.example', role: 'support', now, createdBy: 'test' });
  assert.ok(member);
  const tokenHash = hashToken('staff-invitation-under-race');
  await db.transaction().execute((trx) => staff.replaceInvitation({ staffId: member.id, tokenHash, purpose: 'invite', now, expiresAt: later }, trx));
  const found = await staff.findInvitation(tokenHash, now);
  assert.ok(found.ok);
  const results = await race(db, RACERS, (trx) => staff.spendInvitation(found.invitation.id, now, trx));
  assert.equal(successes(results), 1);
  assert.deepEqual(await staff.findInvitation(tokenHash, now), { ok: false, reason: 'used' });

  // At most one live link per staff member, whatever the code does: the database refuses a second.
  const second = hashToken('staff-invitation-second');
  await db.transaction().execute((trx) => staff.replaceInvitation({ staffId: member.id, tokenHash: second, purpose: 'totp_reset', now, expiresAt: later }, trx));
  await assert.rejects(db.insertInto('staff_invitations').values({ token_hash: hashToken('third'), staff_id: member.id, purpose: 'invite', created_at: now, expires_at: later }).execute(), /staff_invitations_one_live/);
  await db.transaction().execute((trx) => staff.replaceInvitation({ staffId: member.id, tokenHash: hashToken('fourth'), purpose: 'invite', now, expiresAt: later }, trx));
  assert.deepEqual(await staff.findInvitation(second, now), { ok: false, reason: 'expired' }, 'the replaced link no longer opens');
  // And no link lives longer than 24 hours.
  await assert.rejects(db.insertInto('staff_invitations').values({ token_hash: hashToken('long'), staff_id: member.id, purpose: 'invite', created_at: now, expires_at: new Date(now.getTime() + 25 * 3_600_000), revoked_at: now }).execute(), /check constraint/);
});

test('a staff sign-in challenge completed by many tabs at once is consumed exactly once', async () => {
  const staff = createStaffRepo(db);
  const sessions = createStaffSessionsRepo(db);
  const member = await staff.insert({ email: 'two.tabs@webstream.example', role: 'admin', now, createdBy: 'test' });
  assert.ok(member);
  const tokenHash = hashToken('staff-challenge-under-race');
  await sessions.insertChallenge({ tokenHash, staffId: member.id, now, expiresAt: later });
  const results = await race(db, RACERS, (trx) => sessions.consumeChallenge(tokenHash, trx));
  assert.equal(successes(results), 1);
});
