/**
 * Seats are a hard limit under concurrency, whichever portal process answers: twenty instances activating
 * at once for one free seat, split across two real `serve` processes on one PostgreSQL, give exactly one
 * activation.
 *
 *   TEST_DATABASE_URL=… node --import tsx --test test/processes/seat-race.test.ts
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../../src/db/schema.js';
import { identityFor, testIdentitySigner } from '../support/instance-identity.js';
import { newInstance } from '../support/licence-api.js';
import { createScratchDatabase } from '../support/resources.js';
import { serveProcesses } from '../support/serve-process.js';

const ACCOUNT = '321098765432';
let databaseUrl: string;
let dropDatabase: () => Promise<void>;
let db: Kysely<Database>;
const portals = serveProcesses({ databaseUrl: () => databaseUrl, env: () => ({ INSTANCE_IDENTITY_CERT_FILE: testIdentitySigner().certificateFile }), tmpPrefix: 'wsp-seat-race-' });

before(async () => {
  const database = await createScratchDatabase('wsp_seats');
  databaseUrl = database.url;
  dropDatabase = database.drop;
  db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl, max: 2 }) }) });
});

after(async () => {
  await portals.cleanUp();
  await db.destroy();
  await dropDatabase();
});

void test('twenty simultaneous activations for one free seat across two portal processes: exactly one succeeds', { timeout: 120_000 }, async () => {
  const first = await portals.start();
  const second = await portals.start();
  const now = new Date();
  await db.insertInto('licences').values({ aws_account_id: ACCOUNT, plan: 'standard', seats: 3, source: 'direct', status: 'active', starts_at: now, ends_at: null, created_at: now, updated_at: now }).execute();

  // Two seats taken first, one at a time, so one is left for the race.
  const post = (url: string, instance = newInstance(ACCOUNT)) =>
    fetch(`${url}/api/v1/activations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identity: identityFor(instance) }) }).then(async (r) => ({ status: r.status, body: (await r.json()) as { code?: string; seatsInUse?: number } }));
  for (const url of [first.url, second.url]) assert.equal((await post(url)).status, 201);

  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => post(i % 2 === 0 ? first.url : second.url)));
  const statuses = answers.map((a) => a.status).sort();
  assert.deepEqual(statuses, [201, ...Array<number>(19).fill(409)], JSON.stringify(answers));
  assert.ok(answers.filter((a) => a.status === 409).every((a) => a.body.code === 'no_free_seat'));
  const open = await db.selectFrom('activations').select((eb) => eb.fn.countAll<string>().as('n')).where('ended_at', 'is', null).executeTakeFirstOrThrow();
  assert.equal(Number(open.n), 3);
  const instances = await db.selectFrom('instances').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  assert.equal(Number(instances.n), 3, 'refused instances were not registered');

  assert.deepEqual(await Promise.all([first.stop(), second.stop()]), [0, 0], `${first.output()}\n${second.output()}`);
});
