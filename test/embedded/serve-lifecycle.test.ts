/**
 * The portal as a real process on an embedded PostgreSQL server (DATABASE_URL unset), from its first start to
 * its last: first start on an empty DATA_DIR, the CLI beside a running portal, one portal per DATA_DIR, crash
 * recovery after -9, graceful SIGTERM, and the races of starting and stopping.
 * The CLI on its own, its arguments and configuration errors: cli-commands.test.ts.
 *
 *   node --import tsx --test test/embedded/serve-lifecycle.test.ts
 */
import path from 'node:path';
import assert from 'node:assert/strict';
import { test, after } from 'node:test';
import { freePort } from '../support/resources.js';
import {
  assertPostgresRunning,
  assertPostgresStopped,
  cleanUpAfter,
  exists,
  freshDataDir,
  portalEnv,
  postmaster,
  readyz,
  runCli,
  startCli,
  waitForOutput,
  waitReady,
  within,
  type Cli,
} from '../support/portal-process.js';

const ACCOUNT = '1234-5678-9012';
const ANOTHER_PORTAL = /Another portal \(PID (\d+)\) is already serving/;

cleanUpAfter(after);

/** The postmaster's PID from DATA_DIR/postgres/postmaster.pid, or undefined when there is none. */
const postmasterPid = async (dataDir: string): Promise<number | undefined> => (await postmaster(dataDir))?.pid;

// ---------------------------------------------------------------------------------------------------------
// The tests up to SIGTERM share one DATA_DIR: first start, CLI beside the portal, a second portal refused, -9, restart, SIGTERM.

const shared = { dataDir: '', port: 0, serve: undefined as Cli | undefined, licenceId: '' };

function sharedServe(): Cli {
  assert.ok(shared.serve !== undefined, 'the portal from the first test is not running');
  return shared.serve;
}

void test('serve starts its own PostgreSQL from an empty DATA_DIR and /readyz answers ready', { timeout: 60_000 }, async () => {
  shared.dataDir = await freshDataDir();
  shared.port = await freePort();
  shared.serve = await startCli(['serve'], portalEnv(shared.dataDir, shared.port));

  const body = await waitReady(shared.serve, shared.port);
  assert.deepEqual(body, { status: 'ready', database: 'ok' });
  await assertPostgresRunning(shared.dataDir);
});

void test('licence issue and licence list beside the running portal borrow its database and leave it running', { timeout: 60_000 }, async () => {
  const serve = sharedServe();
  const env = portalEnv(shared.dataDir, await freePort());
  const postmasterBefore = await postmasterPid(shared.dataDir);
  assert.ok(postmasterBefore !== undefined);

  const issued = await runCli(['licence', 'issue', '--account', ACCOUNT, '--seats', '3', '--days', '30'], env);
  assert.equal(issued.code, 0, issued.stderr);
  const id = /Issued licence ([0-9a-f-]{36})/.exec(issued.stdout)?.[1];
  assert.ok(id !== undefined, issued.stdout);
  shared.licenceId = id;
  assert.match(issued.stdout, /AWS account\s+1234-5678-9012/);
  assert.match(issued.stdout, /seats\s+3\n/);
  assert.match(issued.stdout, /status\s+active/);
  const ends = new Date(/ends\s+(\S+)/.exec(issued.stdout)?.[1] ?? '');
  const days = (ends.getTime() - Date.now()) / 86_400_000;
  assert.ok(days > 29.9 && days <= 30, `ends about 30 days from now, got ${ends.toISOString()}`);

  const listed = await runCli(['licence', 'list', '--account', '123456789012'], env);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /^ID\s+AWS ACCOUNT\s+PLAN\s+STATUS\s+SEATS/);
  const row = listed.stdout.split('\n').find((line) => line.startsWith(id));
  assert.ok(row !== undefined, listed.stdout);
  assert.match(row, /1234-5678-9012\s+standard\s+active\s+0\/3\s+direct/);

  // The commands borrowed the portal's server: same postmaster, portal still serving.
  assert.equal(await postmasterPid(shared.dataDir), postmasterBefore);
  assert.deepEqual(await readyz(shared.port), { status: 'ready', database: 'ok' });
  assert.equal(serve.child.exitCode, null);
});

void test('account create beside the running portal creates the account, prints the expiry and never the password', { timeout: 60_000 }, async () => {
  const serve = sharedServe();
  const env = portalEnv(shared.dataDir, await freePort());

  const created = await runCli(['account', 'create', '--account', '123456789012', '--email', ' ops@example.com '], env);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /^Created the portal account for AWS account 1234-5678-9012\n/);
  assert.match(created.stdout, /email\s+ops@example\.com\n/);
  const expires = new Date(/one-time password expires\s+(\S+)/.exec(created.stdout)?.[1] ?? '');
  const days = (expires.getTime() - Date.now()) / 86_400_000;
  assert.ok(days > 6.9 && days <= 7, `expires about 7 days from now, got ${created.stdout}`);
  assert.match(created.stdout, /emailed to ops@example\.com \(it is not shown here\)/);
  assert.match(created.stdout, /No SMTP_URL is set: the email is not sent but kept in the outbox/);
  assert.doesNotMatch(created.stdout + created.stderr, /One-time password:/, 'the password goes by email only');

  const again = await runCli(['account', 'create', '--account', ACCOUNT, '--email', 'ops@example.com'], env);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /^Error: A portal account already exists for AWS account 1234-5678-9012\./);
  assert.equal(again.stdout, '');

  const unlicensed = await runCli(['account', 'create', '--account', '999900000001', '--email', 'ops@example.com'], env);
  assert.equal(unlicensed.code, 1);
  assert.match(unlicensed.stderr, /^Error: AWS account 9999-0000-0001 holds no WebStream licence/);
  assert.equal(unlicensed.stdout, '');
  assert.equal(serve.child.exitCode, null, 'the portal is still serving');
});

void test('a second serve on the same DATA_DIR exits non-zero naming the running portal', { timeout: 60_000 }, async () => {
  const serve = sharedServe();
  const second = await runCli(['serve'], portalEnv(shared.dataDir, await freePort()));
  assert.notEqual(second.code, 0);
  assert.match(second.stderr, ANOTHER_PORTAL);
  assert.match(second.stderr, new RegExp(`PID ${serve.pid}\\b`));
  assert.match(second.stderr, new RegExp(shared.dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  // ...and did not disturb the first.
  assert.deepEqual(await readyz(shared.port), { status: 'ready', database: 'ok' });
  assert.equal(serve.child.exitCode, null);
});

void test('after SIGKILL the portal starts again on the same DATA_DIR and keeps its licences', { timeout: 60_000 }, async () => {
  const killed = sharedServe();
  assert.ok(shared.licenceId !== '', 'needs the licence issued by the earlier test');
  killed.child.kill('SIGKILL');
  const { signal } = await killed.exited;
  assert.equal(signal, 'SIGKILL');

  shared.port = await freePort();
  shared.serve = await startCli(['serve'], portalEnv(shared.dataDir, shared.port));
  assert.deepEqual(await waitReady(shared.serve, shared.port), { status: 'ready', database: 'ok' });

  const listed = await runCli(['licence', 'list'], portalEnv(shared.dataDir, await freePort()));
  assert.equal(listed.code, 0, listed.stderr);
  assert.ok(listed.stdout.includes(shared.licenceId), listed.stdout);
});

void test('SIGTERM shuts the portal down gracefully: exit 0, PostgreSQL stopped, no lock file left', { timeout: 60_000 }, async () => {
  const serve = sharedServe();
  serve.child.kill('SIGTERM');
  const { code, signal } = await within(serve.exited, 30_000, () => `serve did not exit after SIGTERM:\n${serve.stderr()}`);
  assert.equal(signal, null);
  assert.equal(code, 0, serve.stderr());
  assert.match(serve.stderr(), /Received SIGTERM/);
  await assertPostgresStopped(shared.dataDir);
  assert.equal(await exists(path.join(shared.dataDir, 'postgres.starting')), false);
});

// ---------------------------------------------------------------------------------------------------------
// Starting and stopping races.

void test('two portals and a CLI command started together on an empty DATA_DIR: one serves, the other refuses, the command works', { timeout: 60_000 }, async () => {
  const dataDir = await freshDataDir();
  const [portA, portB] = [await freePort(), await freePort()];
  const a = await startCli(['serve'], portalEnv(dataDir, portA));
  const b = await startCli(['serve'], portalEnv(dataDir, portB));
  const migrate = await startCli(['migrate'], portalEnv(dataDir, await freePort()));

  const first = await within(
    Promise.race([a.exited.then(() => a), b.exited.then(() => b)]),
    45_000,
    () => `neither portal gave way:\nA: ${a.stderr()}\nB: ${b.stderr()}`,
  );
  const [loser, winner, port] = first === a ? [a, b, portB] : [b, a, portA];
  assert.notEqual(loser.child.exitCode, 0);
  assert.match(loser.stderr(), new RegExp(`Another portal \\(PID ${winner.pid}\\)`));
  assert.deepEqual(await waitReady(winner, port), { status: 'ready', database: 'ok' });

  const migrated = await within(migrate.exited, 30_000, () => `migrate did not finish:\n${migrate.stderr()}`);
  assert.equal(migrated.code, 0, migrate.stderr());
  assert.match(migrate.stdout(), /The database schema is up to date\.|Applied \d+ migration\(s\)/);
  assert.deepEqual(await readyz(port), { status: 'ready', database: 'ok' });

  winner.child.kill('SIGTERM');
  assert.equal((await winner.exited).code, 0, winner.stderr());
  await assertPostgresStopped(dataDir);
});

void test('SIGTERM while the portal is still initialising its database stops it cleanly once it is up', { timeout: 60_000 }, async () => {
  const dataDir = await freshDataDir();
  const serve = await startCli(['serve'], portalEnv(dataDir, await freePort(), { LOG_LEVEL: 'info' }));
  await waitForOutput(serve, /Initialising the embedded PostgreSQL database/);
  serve.child.kill('SIGTERM');
  const { code, signal } = await within(serve.exited, 45_000, () => `serve did not exit after SIGTERM:\n${serve.stderr()}`);
  assert.equal(signal, null, 'the signal must be handled, not kill the process');
  assert.equal(code, 0, serve.stderr());
  assert.match(serve.stderr(), /Received SIGTERM while starting/);
  await assertPostgresStopped(dataDir);
  assert.equal(await exists(path.join(dataDir, 'postgres.starting')), false);
});
