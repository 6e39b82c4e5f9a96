import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { activate, callApi, newAccountId, newInstance } from '../support/licence-api.js';
import { createTestPortal, issueLicence, type TestPortal } from '../support/test-portal.js';

let portal: TestPortal;
before(async () => {
  portal = await createTestPortal();
});
after(() => portal.close());

const DAY = 86_400_000;
const by = { actor: 'test', reason: 'fixture' };

async function validate(licenceId: string, secret: string | undefined, instanceId?: string) {
  const response = await callApi(portal, 'POST', '/api/v1/licences/validate', { body: { licenceId, ...(instanceId === undefined ? {} : { instanceId }) }, secret });
  assert.equal(response.statusCode, 200, response.body);
  return response.json<{ valid: boolean; code: string; detail: string; licence: { id: string } | null }>();
}

/** An account with a licence and one activated instance. */
async function activated(seats = 2, days?: number) {
  const account = newAccountId();
  const licence = await issueLicence(portal, account, { seats, ...(days === undefined ? {} : { days }) });
  const instance = newInstance(account);
  const first = await activate(portal, instance);
  assert.equal(first.status, 201);
  return { account, licence, instance, secret: first.body.instanceSecret ?? '', activationId: first.body.activation?.id ?? '' };
}

test('valid, then each state of the licence gives its code', async () => {
  const { licence, secret } = await activated();
  const ok = await validate(licence.id, secret);
  assert.deepEqual([ok.valid, ok.code, ok.licence?.id], [true, 'valid', licence.id]);

  await portal.services.licences.transition(licence.id, { action: 'suspend' }, by);
  assert.deepEqual([(await validate(licence.id, secret)).code, (await validate(licence.id, secret)).valid], ['suspended', false]);
  await portal.services.licences.transition(licence.id, { action: 'reinstate' }, by);
  assert.equal((await validate(licence.id, secret)).code, 'valid');
  await portal.services.licences.transition(licence.id, { action: 'revoke' }, by);
  assert.equal((await validate(licence.id, secret)).code, 'revoked');
});

test('past its end a licence is still valid during the grace period (7 days by default), then expired', async () => {
  const { licence, secret, activationId } = await activated(2, 10);
  const keepAlive = () =>
    portal.services.db.updateTable('activations').set({ last_heartbeat_at: portal.clock.now(), stale_after: new Date(portal.clock.now().getTime() + 30 * 60_000) }).where('id', '=', activationId).execute();
  portal.clock.advance(11 * DAY);
  await keepAlive();
  const grace = await validate(licence.id, secret);
  assert.deepEqual([grace.valid, grace.code], [true, 'grace_period']);
  assert.match(grace.detail, /keeps working until \d{4}-\d{2}-\d{2}/);
  // The expiry sweep makes the stored status agree; the grace period still counts from the end date.
  await portal.services.licences.expireDue();
  assert.equal((await validate(licence.id, secret)).code, 'grace_period');
  portal.clock.advance(7 * DAY);
  await keepAlive();
  const expired = await validate(licence.id, secret);
  assert.deepEqual([expired.valid, expired.code], [false, 'expired']);
});

test('a pending licence, a deactivated instance, a dead heartbeat and seats lowered below those running', async () => {
  const { account, licence, secret, activationId } = await activated(2);
  // pending: a requested licence of the caller's own account.
  const requested = await portal.services.licences.create({ awsAccountId: account, plan: 'standard', seats: 1, source: 'direct', endsAt: null }, 'request', by);
  assert.equal((await validate(requested.id, secret)).code, 'pending');

  // too_many_activations: a second instance, then seats lowered to 1: the newer one is over the limit.
  const second = newInstance(account);
  portal.clock.advance(1000);
  const secondActivation = await activate(portal, second);
  assert.equal(secondActivation.status, 201);
  await portal.services.licences.amend(licence.id, { seats: 1 }, by);
  assert.equal((await validate(licence.id, secret)).code, 'valid', 'the longest-running instance keeps its seat');
  const over = await validate(licence.id, secondActivation.body.instanceSecret);
  assert.deepEqual([over.valid, over.code], [false, 'too_many_activations']);

  // heartbeat_dead: past the stale window.
  portal.clock.advance(31 * 60_000);
  assert.equal((await validate(licence.id, secret)).code, 'heartbeat_dead');

  // not_activated: after a deactivation.
  assert.equal((await callApi(portal, 'DELETE', `/api/v1/activations/${activationId}`, { secret })).statusCode, 200);
  assert.equal((await validate(licence.id, secret)).code, 'not_activated');
});

test("unknown for a licence that does not exist, is another account's, or for another instance: nothing leaks", async () => {
  const mine = await activated();
  const theirs = await activated();
  const answers = [
    await validate('00000000-0000-4000-8000-000000000000', mine.secret),
    await validate(theirs.licence.id, mine.secret),
    await validate(mine.licence.id, mine.secret, theirs.instance.instanceId),
  ];
  for (const answer of answers) assert.deepEqual(answer, answers[0]);
  assert.deepEqual([answers[0]?.valid, answers[0]?.code, answers[0]?.licence], [false, 'unknown', null]);
});
