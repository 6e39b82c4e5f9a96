/**
 * One serving portal per DATA_DIR, enforced by a PostgreSQL advisory lock that dies with its holder
 * (src/db/serving-lock.ts): a portal killed with -9 never blocks the next start, even while it is an
 * unreaped zombie or when leftover files name live processes; a second live portal is refused; CLI commands
 * leave the portal's server alone; a portal whose PostgreSQL was killed under it warns, and serves and
 * holds the lock again once the server is back. Real processes, one DATA_DIR for the whole file.
 *
 *   node --import tsx --test test/embedded/serving-lock.test.ts
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { freePort } from '../support/resources.js';
import {
  childPids,
  cleanUpAfter,
  embeddedUrl,
  freshDataDir,
  killHard,
  portalEnv,
  postmaster,
  processState,
  readyz,
  runCli,
  signal,
  startCli,
  waitFor,
  waitReady,
  within,
  type Cli,
} from '../support/portal-process.js';

cleanUpAfter(after);

const READY = { status: 'ready', database: 'ok' };
const state = { dataDir: '', port: 0, serve: undefined as Cli | undefined };

function serving(): Cli {
  assert.ok(state.serve !== undefined, 'the portal from the earlier test is not running');
  return state.serve;
}

/** The PID in the application_name of the session holding the serving lock, if any. */
async function lockHolderPid(): Promise<number | undefined> {
  const client = new pg.Client({ connectionString: await embeddedUrl(state.dataDir) });
  await client.connect();
  try {
    const { rows } = await client.query<{ application_name: string }>(
      `select a.application_name from pg_locks l join pg_stat_activity a on a.pid = l.pid where l.locktype = 'advisory' and l.granted and l.objsubid = 2`,
    );
    const pid = /pid=(\d+)$/.exec(rows[0]?.application_name ?? '')?.[1];
    return pid === undefined ? undefined : Number(pid);
  } finally {
    await client.end();
  }
}

void test('kill -9 and an immediate restart succeed every time, even while the killed portal is an unreaped zombie', { timeout: 180_000 }, async () => {
  state.dataDir = await freshDataDir();
  state.port = await freePort();
  const env = portalEnv(state.dataDir, state.port);
  let serve = await startCli(['serve'], env, { orphanedZombie: true });
  assert.deepEqual(await waitReady(serve, state.port), READY);

  for (let round = 1; round <= 3; round++) {
    await killHard(serve.pid);
    // The old PID-file check took a zombie for a live portal (kill(pid, 0) succeeds) and refused to start.
    assert.equal(processState(serve.pid), 'zombie', 'the killed portal stays a zombie: its parent never reaps it');
    serve = await startCli(['serve'], env, { orphanedZombie: true });
    assert.deepEqual(await waitReady(serve, state.port), READY, `round ${round}`);
    assert.equal(await lockHolderPid(), serve.pid, `round ${round}: the new portal holds the lock`);
  }
  state.serve = serve;
});

void test('leftover files naming live unrelated processes (a zombie, a sleep, this test) do not block a start', { timeout: 120_000 }, async (t) => {
  const killed = serving();
  await killHard(killed.pid);
  const env = portalEnv(state.dataDir, state.port);

  // A start lock left by a portal killed while starting, whose PID is now a zombie, and the old portal.pid naming us.
  await fs.writeFile(path.join(state.dataDir, 'postgres.starting'), String(killed.pid));
  await fs.writeFile(path.join(state.dataDir, 'portal.pid'), String(process.pid));
  let started = Date.now();
  let serve = await startCli(['serve'], env);
  assert.deepEqual(await waitReady(serve, state.port), READY);
  // Well under the 30 s after which an unrefreshed start lock counts as abandoned: the zombie was recognised.
  assert.ok(Date.now() - started < 25_000, `started in ${Date.now() - started} ms`);

  // A start lock from long ago whose PID now belongs to another program.
  await killHard(serve.pid);
  const sleeper = spawn('sleep', ['300'], { stdio: 'ignore' });
  t.after(() => void sleeper.kill('SIGKILL'));
  assert.ok(sleeper.pid !== undefined);
  const lockFile = path.join(state.dataDir, 'postgres.starting');
  await fs.writeFile(lockFile, String(sleeper.pid));
  const longAgo = new Date(Date.now() - 10 * 60_000);
  await fs.utimes(lockFile, longAgo, longAgo);
  started = Date.now();
  serve = await startCli(['serve'], env);
  assert.deepEqual(await waitReady(serve, state.port), READY);
  assert.ok(Date.now() - started < 25_000, `started in ${Date.now() - started} ms`);
  assert.equal(processState(sleeper.pid), 'running', 'the unrelated process was left alone');
  state.serve = serve;
});

void test('a second portal on the same DATA_DIR is refused with a clear message and exit code 1; the first keeps serving', { timeout: 60_000 }, async () => {
  const serve = serving();
  const second = await runCli(['serve'], portalEnv(state.dataDir, await freePort()));
  assert.equal(second.code, 1, second.stderr);
  assert.match(second.stderr, new RegExp(`Another portal \\(PID ${serve.pid}\\) is already serving from ${state.dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.`));
  assert.deepEqual(await readyz(state.port), READY);
  assert.equal(serve.running(), true);
  assert.equal(await lockHolderPid(), serve.pid);
});

void test('a CLI command beside the running portal works and leaves the portal and its server running', { timeout: 60_000 }, async () => {
  const serve = serving();
  const before = await postmaster(state.dataDir);
  const issued = await runCli(['licence', 'issue', '--account', '1234-5678-9012'], portalEnv(state.dataDir, await freePort()));
  assert.equal(issued.code, 0, issued.stderr);
  assert.match(issued.stdout, /Issued licence/);
  assert.deepEqual(await postmaster(state.dataDir), before, 'the same PostgreSQL server is still running');
  assert.deepEqual(await readyz(state.port), READY);
  assert.equal(serve.running(), true);
});

void test('PostgreSQL killed under a running portal: it warns, and once the server is back it serves and holds the lock again', { timeout: 120_000 }, async () => {
  const serve = serving();
  const server = await postmaster(state.dataDir);
  assert.ok(server !== undefined);
  const backends = await childPids(server.pid);
  await killHard(server.pid);
  for (const pid of backends) signal(pid, 'SIGKILL');
  await waitFor(() => backends.every((pid) => processState(pid) === 'gone'), 20_000, () => 'the backends outlived their postmaster');
  await waitFor(() => /Lost the PostgreSQL session holding the portal lock/.test(serve.stdout()), 20_000, () => `no warning:\n${serve.stdout()}`);

  // An operator (or the next CLI command) starts the server again: on the same port, so the portal's URL still works.
  const restarted = await startEmbeddedPostgres({ dataDir: state.dataDir, log: () => undefined });
  assert.equal(new URL(restarted.url).port, String(server.port));
  assert.deepEqual(await waitReady(serve, state.port), READY);
  await waitFor(async () => (await lockHolderPid()) === serve.pid, 30_000, () => 'the portal did not take the lock again', 200);
  const second = await runCli(['serve'], portalEnv(state.dataDir, await freePort()));
  assert.equal(second.code, 1, 'the lock refuses a second portal again');

  // The portal still owns the server: a graceful stop stops PostgreSQL too.
  signal(serve.pid, 'SIGTERM');
  const { code } = await within(serve.exited, 30_000, () => `serve did not exit after SIGTERM:\n${serve.stderr()}`);
  assert.equal(code, 0, serve.stderr());
  await waitFor(async () => (await postmaster(state.dataDir)) === undefined, 10_000, () => 'PostgreSQL is still running');
});
