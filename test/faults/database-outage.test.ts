import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { isDatabaseUnavailable } from '../../src/db/unavailable.js';
import { registeredAccount } from '../support/accounts.js';
import { FormAgent, type AgentResponse } from '../support/form-agent.js';
import { freePort } from '../support/resources.js';
import { createTestPortal, GOOD_PASSWORD, type TestPortal } from '../support/test-portal.js';

/**
 * The database server stops under a running portal and comes back. The portal runs on a private embedded
 * server on a fixed port (so its pool reconnects to the same address), whatever TEST_DB_MODE says.
 */

const ACCOUNT = '999922220001';

interface LogLine {
  level: number;
  msg?: string;
  reqId?: string;
  err?: unknown;
}

const logLines: LogLine[] = [];
const logStream = new Writable({
  write(chunk: Buffer, _encoding, callback) {
    for (const line of chunk.toString().split('\n')) if (line.trim() !== '') logLines.push(JSON.parse(line) as LogLine);
    callback();
  },
});

let dataDir: string;
let port: number;
let server: EmbeddedPostgres;
let portal: TestPortal;
let signedIn: FormAgent;
let signedOut: FormAgent;
let stopDispatcher: (() => Promise<void>) | undefined;

before(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'wsp-faults-'));
  port = await freePort();
  server = await startEmbeddedPostgres({ dataDir, log: () => undefined, port });
  portal = await createTestPortal({ env: { DATABASE_URL: server.url, LOG_LEVEL: 'warn' }, logStream });
  // The background email dispatcher runs through the outage, as in the served portal (fast ticks here).
  stopDispatcher = portal.services.mailer.startDispatcher(100);
  signedIn = await registeredAccount(portal, ACCOUNT);
  signedOut = new FormAgent(portal.app, portal.config.publicUrl.origin, '127.0.0.2');
  await signedOut.get('/portal/sign-in');
  // Delivered before the outage: an email sent just as the server stops cannot be marked sent, and goes again.
  await portal.inbox.waitFor(`${ACCOUNT}@example.com`, /Welcome/);
});

after(async () => {
  await stopDispatcher?.();
  await portal.close();
  await server.stop();
  await fs.rm(dataDir, { recursive: true, force: true });
});

async function probe(url: string) {
  const response = await portal.app.inject({ method: 'GET', url });
  return { status: response.statusCode, headers: response.headers, json: response.json<Record<string, unknown>>() };
}

function assertUnavailablePage(response: AgentResponse, what: string): void {
  assert.equal(response.status, 503, `${what}: 503 (got ${response.status})`);
  assert.equal(response.headers['retry-after'], '30', `${what}: Retry-After`);
  assert.match(String(response.headers['content-type']), /^text\/html/, `${what}: an HTML page`);
  assert.match(response.body, /The portal is temporarily unavailable/, what);
  assert.doesNotMatch(response.body, /ECONNREFUSED|57P0|terminat|\.ts:\d+|node_modules|\bat \w+ \(/, `${what}: no internals`);
}

test('a transaction open when the server stops fails as an outage, and the process does not crash', async () => {
  // pg emits 'error' on a checked-out client between two queries; without a listener that is an uncaught
  // exception, which ends a served portal (the test runner only reports it).
  const uncaught: unknown[] = [];
  const record = (error: unknown) => uncaught.push(error);
  process.on('uncaughtException', record);
  const failure = await portal.services.db
    .transaction()
    .execute(async (trx) => {
      await sql`select 1`.execute(trx);
      await server.stop();
      await sql`select 2`.execute(trx);
    })
    .then(
      () => undefined,
      (error: unknown) => error,
    )
    .finally(() => process.off('uncaughtException', record));
  assert.deepEqual(uncaught.map(String), [], 'no uncaught exception');
  assert.ok(failure instanceof Error, 'the second query fails');
  assert.ok(isDatabaseUnavailable(failure), `classified as an outage: ${failure.message}`);
});

test('while the database is down: pages and posts answer 503 with Retry-After, /readyz fails, /healthz answers', async () => {
  const requestLogLinesBefore = logLines.filter((line) => line.reqId !== undefined).length;

  assertUnavailablePage(await signedIn.get('/portal/entitlements'), 'signed-in page');
  assertUnavailablePage(await signedIn.get('/portal/settings'), 'signed-in settings page');
  assertUnavailablePage(await signedOut.get('/portal/reset-password?token=some-token-from-an-email'), 'signed-out page');
  assertUnavailablePage(await signedOut.post('/portal/sign-in', { accountId: ACCOUNT, password: GOOD_PASSWORD }), 'signed-out sign-in post');
  assertUnavailablePage(await signedIn.post('/portal/settings/sessions/end-others', {}), 'signed-in post');

  const ready = await probe('/readyz');
  assert.equal(ready.status, 503);
  assert.equal(ready.headers['retry-after'], '30');
  assert.deepEqual(ready.json, { status: 'not ready', database: 'unreachable' });
  const health = await probe('/healthz');
  assert.equal(health.status, 200);
  assert.deepEqual(health.json, { status: 'ok' });

  // One concise warning per failed request; no error-level lines or stack traces from requests or the dispatcher.
  const requestLines = logLines.filter((line) => line.reqId !== undefined).slice(requestLogLinesBefore);
  assert.deepEqual(
    requestLines.map((line) => [line.level, line.msg]),
    Array.from({ length: 5 }, () => [40, 'database unavailable']),
  );
  assert.deepEqual(logLines.filter((line) => line.level >= 50), [], 'nothing logged as an error');
  assert.deepEqual(logLines.filter((line) => JSON.stringify(line).includes('"stack"')), [], 'no stack traces in the log');
  assert.ok(logLines.some((line) => line.msg === 'email dispatcher: database unavailable'), 'the dispatcher kept trying');
});

test('when the database returns, the same portal serves again without a restart', async () => {
  server = await startEmbeddedPostgres({ dataDir, log: () => undefined, port });
  const deadline = Date.now() + 20_000;
  while ((await probe('/readyz')).status !== 200) {
    assert.ok(Date.now() < deadline, '/readyz recovers within 20 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  // The outage did not sign anybody out.
  const page = await signedIn.get('/portal/entitlements');
  assert.equal(page.status, 200);
  assert.match(page.body, /standard/);
  assert.equal((await signedIn.get('/portal/settings')).status, 200);
  assert.equal((await signedOut.get('/portal/reset-password?token=some-token-from-an-email')).status, 400, 'the dead-link page');
  const signInPost = await signedOut.post('/portal/sign-in', { accountId: ACCOUNT, password: GOOD_PASSWORD });
  assert.equal(signInPost.status, 303);
  assert.equal(signInPost.location, '/portal/entitlements');
  assert.equal((await signedIn.post('/portal/settings/sessions/end-others', {})).status, 303);

  // The dispatcher survived the outage and delivers again.
  assert.equal((await signedOut.post('/portal/forgot-password', { accountId: ACCOUNT })).status, 303);
  await portal.inbox.waitFor(`${ACCOUNT}@example.com`, /Reset your WebStream Licence Portal password/);
});
