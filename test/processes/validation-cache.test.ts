/**
 * The validation snapshot cache across portals on one PostgreSQL: a change committed by one portal reaches
 * the other's cached validations through the change feed (LISTEN/NOTIFY), nothing is served from the cache
 * while the feed is down, and the cache really answers while nothing changes.
 *
 *   TEST_DATABASE_URL=… node --import tsx --test test/processes/validation-cache.test.ts
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { activate, callApi, newAccountId, newInstance } from '../support/licence-api.js';
import { createScratchDatabase } from '../support/resources.js';
import { createTestPortal, issueLicence, type TestPortal } from '../support/test-portal.js';

let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
let a: TestPortal;
let b: TestPortal;
let raw: pg.Client;
before(async () => {
  scratch = await createScratchDatabase('wsp_validation_cache');
  a = await createTestPortal({ env: { DATABASE_URL: scratch.url } });
  b = await createTestPortal({ env: { DATABASE_URL: scratch.url } });
  raw = new pg.Client({ connectionString: scratch.url });
  await raw.connect();
});
after(async () => {
  await raw.end();
  await a.close();
  await b.close();
  await scratch.drop();
});

const by = { actor: 'test', reason: 'cache test' };

async function code(portal: TestPortal, licenceId: string, secret: string): Promise<string> {
  const response = await callApi(portal, 'POST', '/api/v1/licences/validate', { body: { licenceId }, secret });
  assert.equal(response.statusCode, 200, response.body);
  return response.json<{ code: string }>().code;
}

/** Polls until the portal answers `expected`; returns how long it took. */
async function answersWithin(portal: TestPortal, licenceId: string, secret: string, expected: string, ms: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const now = await code(portal, licenceId, secret);
    if (now === expected) return Date.now() - started;
    if (Date.now() - started > ms) assert.fail(`still ${now} after ${ms} ms, expected ${expected}`);
    await sleep(10);
  }
}

/** A write nobody announces: the notify trigger is off for it (this client only, in one transaction). */
async function silentlySetStatus(licenceId: string, status: string): Promise<void> {
  await raw.query('begin');
  await raw.query("set local session_replication_role = 'replica'");
  await raw.query('update licences set status = $1 where id = $2', [status, licenceId]);
  await raw.query('commit');
}

test("a change committed by one portal reaches the other's cached validation at once", async () => {
  const account = newAccountId();
  const licence = await issueLicence(a, account, { seats: 2 });
  const activated = await activate(a, newInstance(account));
  assert.equal(activated.status, 201);
  const secret = activated.body.instanceSecret ?? '';
  assert.equal(await code(a, licence.id, secret), 'valid');
  assert.equal(await code(a, licence.id, secret), 'valid');

  await b.services.licences.transition(licence.id, { action: 'suspend' }, by);
  const took = await answersWithin(a, licence.id, secret, 'suspended', 2_000);
  assert.ok(took < 1_000, `the other portal saw the suspension after ${took} ms`);
  await b.services.licences.transition(licence.id, { action: 'reinstate' }, by);
  await answersWithin(a, licence.id, secret, 'valid', 2_000);
  // Let the reinstatement's notification arrive (it drops what was read meanwhile), then cache again.
  await sleep(100);
  assert.equal(await code(a, licence.id, secret), 'valid');

  // The cache answers while nothing is announced: a silent write is not seen by the portal that cached,
  // while the other (which never validated this licence) reads the database.
  await silentlySetStatus(licence.id, 'revoked');
  assert.equal(await code(a, licence.id, secret), 'valid', 'served from the snapshot');
  assert.equal(await code(b, licence.id, secret), 'revoked');
  await raw.query("select pg_notify('licence_changes', $1)", [licence.id]);
  await answersWithin(a, licence.id, secret, 'revoked', 2_000);

  // Snapshots also expire with time (seat ranks move as other instances go stale, without a write).
  await silentlySetStatus(licence.id, 'active');
  a.clock.advance(6_000);
  assert.equal(await code(a, licence.id, secret), 'valid');
});

test('while the change feed is down nothing is served from the cache, and it comes back', async () => {
  const account = newAccountId();
  const licence = await issueLicence(a, account, { seats: 2 });
  const activated = await activate(a, newInstance(account));
  const secret = activated.body.instanceSecret ?? '';
  assert.equal(await code(a, licence.id, secret), 'valid');
  assert.equal(await code(a, licence.id, secret), 'valid');

  const killed = await raw.query<{ pid: number }>("select pg_terminate_backend(pid) as pid from pg_stat_activity where query ilike 'listen licence_changes%' and datname = current_database()");
  assert.ok(killed.rows.length >= 1, 'the listeners were found');
  await sleep(100);
  await silentlySetStatus(licence.id, 'suspended');
  assert.equal(await code(a, licence.id, secret), 'suspended', 'read from the database while the feed is down');

  // It reconnects (after a second) and caches again: a silent change is then not seen until announced.
  await sleep(1_500);
  assert.equal(await code(a, licence.id, secret), 'suspended');
  await silentlySetStatus(licence.id, 'active');
  assert.equal(await code(a, licence.id, secret), 'suspended', 'cached again once the feed is back');
  await raw.query("select pg_notify('licence_changes', $1)", [licence.id]);
  await answersWithin(a, licence.id, secret, 'valid', 2_000);
});
