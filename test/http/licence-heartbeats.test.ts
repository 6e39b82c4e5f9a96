import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { activate, callApi, newAccountId, newInstance } from '../support/licence-api.js';
import { createTestPortal, issueLicence, type TestPortal } from '../support/test-portal.js';

let portal: TestPortal;
before(async () => {
  portal = await createTestPortal();
});
after(() => portal.close());

const MINUTE = 60_000;
const heartbeat = (id: string, secret: string | undefined) => callApi(portal, 'POST', `/api/v1/activations/${id}/heartbeat`, { secret });
const deactivate = (id: string, secret: string | undefined) => callApi(portal, 'DELETE', `/api/v1/activations/${id}`, { secret });

test('a heartbeat keeps the activation alive and answers its validation; a fresh licence file comes once the last is past half its life', async () => {
  const account = newAccountId();
  await issueLicence(portal, account, { seats: 1 });
  const first = await activate(portal, newInstance(account));
  const id = first.body.activation?.id ?? '';
  const beat = await heartbeat(id, first.body.instanceSecret);
  assert.equal(beat.statusCode, 200);
  const body = beat.json<{ validation: { valid: boolean; code: string }; licenceFile?: string; activation: { lastHeartbeatAt: string } }>();
  assert.deepEqual([body.validation.valid, body.validation.code], [true, 'valid']);
  assert.equal(body.licenceFile, undefined, 'the file from the activation is still fresh');
  assert.equal(body.activation.lastHeartbeatAt, portal.clock.now().toISOString());

  // Keep beating every 10 minutes for 16 days: the 30-day file is replaced once, after its half-life.
  let files = 0;
  for (let minutes = 0; minutes < 16 * 24 * 60; minutes += 600) {
    portal.clock.advance(600 * MINUTE);
    // Within the stale window (30 minutes) the clock jump would kill it; move the activation along with it.
    await portal.services.db.updateTable('activations').set({ last_heartbeat_at: new Date(portal.clock.now().getTime() - MINUTE), stale_after: new Date(portal.clock.now().getTime() + 29 * MINUTE) }).where('id', '=', id).execute();
    const next = (await heartbeat(id, first.body.instanceSecret)).json<{ licenceFile?: string }>();
    if (next.licenceFile !== undefined) files += 1;
  }
  assert.equal(files, 1);
});

test('an activation that misses its heartbeats stops counting; it revives while a seat is free, and ends once its seat is taken', async () => {
  const account = newAccountId();
  await issueLicence(portal, account, { seats: 1 });
  const a = await activate(portal, newInstance(account));
  const idA = a.body.activation?.id ?? '';

  // Past the stale window (3 × 10 minutes) it no longer holds the seat, but with the seat still free it revives.
  portal.clock.advance(31 * MINUTE);
  const revived = await heartbeat(idA, a.body.instanceSecret);
  assert.equal(revived.statusCode, 200);
  assert.equal(revived.json<{ validation: { code: string } }>().validation.code, 'valid');
  const revivals = await portal.services.db.selectFrom('audit_events').select('actor').where('event', '=', 'activation.revived').where('aws_account_id', '=', account).execute();
  assert.equal(revivals.length, 1);

  // Stale again; another instance takes the free seat; the stale one is told its activation ended.
  portal.clock.advance(31 * MINUTE);
  const b = await activate(portal, newInstance(account));
  assert.equal(b.status, 201, JSON.stringify(b.body));
  const ended = await heartbeat(idA, a.body.instanceSecret);
  assert.equal(ended.statusCode, 409);
  assert.equal(ended.json<{ code: string }>().code, 'activation_ended');
  const row = await portal.services.db.selectFrom('activations').select(['ended_at', 'ended_reason']).where('id', '=', idA).executeTakeFirstOrThrow();
  assert.equal(row.ended_reason, 'stale');
  // It stays ended: a second heartbeat gets the same answer; re-activating needs a free seat.
  assert.equal((await heartbeat(idA, a.body.instanceSecret)).statusCode, 409);
});

test('a deactivation frees the seat and keeps the activation as history; more than five a day per licence are refused with Retry-After', async () => {
  const account = newAccountId();
  await issueLicence(portal, account, { seats: 1 });
  const instance = newInstance(account);
  const first = await activate(portal, instance);
  const secret = first.body.instanceSecret;
  let id = first.body.activation?.id ?? '';
  for (let i = 0; i < 5; i += 1) {
    const off = await deactivate(id, secret);
    assert.equal(off.statusCode, 200, JSON.stringify(off.json()));
    assert.equal(off.json<{ activation: { endedAt: string } }>().activation.endedAt, portal.clock.now().toISOString());
    portal.clock.advance(MINUTE);
    const on = await activate(portal, instance, { secret });
    assert.equal(on.status, 201, `re-activation ${i}`);
    id = on.body.activation?.id ?? '';
  }
  const refused = await deactivate(id, secret);
  assert.equal(refused.statusCode, 429);
  assert.equal(refused.json<{ code: string }>().code, 'deactivation_limit');
  const retryAfter = Number(refused.headers['retry-after']);
  // The first deactivation leaves the 24-hour window 24 h after it happened, 5 minutes ago.
  assert.ok(retryAfter > 23.8 * 3600 && retryAfter <= 24 * 3600, String(retryAfter));
  const still = await portal.services.db.selectFrom('activations').select('ended_at').where('id', '=', id).executeTakeFirstOrThrow();
  assert.equal(still.ended_at, null, 'the refused deactivation changed nothing');

  portal.clock.advance(retryAfter * 1000);
  assert.equal((await deactivate(id, secret)).statusCode, 200);
  const history = await portal.services.db.selectFrom('activations').select('ended_reason').where('instance_id', '=', instance.instanceId).execute();
  assert.equal(history.length, 6, 'every activation is kept');
  assert.ok(history.every((h) => h.ended_reason === 'deactivated'));
  const audited = await portal.services.db.selectFrom('audit_events').select('details').where('event', '=', 'activation.deactivated').where('aws_account_id', '=', account).execute();
  assert.equal(audited.length, 6);
});

test('deactivating an ended activation, or a made-up one, answers a problem and changes nothing', async () => {
  const account = newAccountId();
  await issueLicence(portal, account, { seats: 1 });
  const first = await activate(portal, newInstance(account));
  const id = first.body.activation?.id ?? '';
  assert.equal((await deactivate(id, first.body.instanceSecret)).statusCode, 200);
  const again = await deactivate(id, first.body.instanceSecret);
  assert.equal(again.statusCode, 409);
  assert.equal(again.json<{ code: string }>().code, 'activation_ended');
  const unknown = await deactivate('00000000-0000-4000-8000-000000000000', first.body.instanceSecret);
  assert.equal(unknown.statusCode, 404);
  const malformed = await deactivate('not-a-uuid', first.body.instanceSecret);
  assert.equal(malformed.statusCode, 400);
  assert.equal(malformed.json<{ code: string }>().code, 'validation_failed');
});
