/**
 * The portal and its CLI as real processes on an embedded PostgreSQL server (DATABASE_URL unset): first start
 * on an empty DATA_DIR, the CLI beside a running portal, crash recovery after -9, graceful SIGTERM, one portal
 * per DATA_DIR, the CLI on its own, argument and configuration errors.
 *
 *   node --import tsx --test test/embedded/cli-and-server.test.ts
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { test, after } from 'node:test';
import { runPgCtl } from '../../src/db/embedded-postgres.js';
import { freePort } from '../support/resources.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ACCOUNT = '1234-5678-9012';
const ANOTHER_PORTAL = /Another portal \(PID (\d+)\) is already serving/;

// ---------------------------------------------------------------------------------------------------------
// Processes and directories this file creates; after() removes them whatever happened.

const children = new Set<ChildProcess>();
const dataDirs: string[] = [];

after(async () => {
  const running = [...children];
  for (const child of running) child.kill('SIGKILL');
  await Promise.all(running.filter((child) => child.exitCode === null && child.signalCode === null).map((child) => once(child, 'exit')));
  for (const dir of dataDirs) {
    const pgData = path.join(dir, 'postgres');
    if (await exists(path.join(pgData, 'postmaster.pid'))) await pgCtl(['stop', '-D', pgData, '-m', 'immediate', '-w', '-t', '20']);
    await fs.rm(dir, { recursive: true, force: true });
  }
});

async function freshDataDir(): Promise<string> {
  // Directly under the temp folder: the product opens DATA_DIR itself (0711) for the postgres user when
  // run as root, but not its parents.
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wsp-embedded-'));
  dataDirs.push(dir);
  return dir;
}


function portalEnv(dataDir: string, port: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn', ...extra };
  // Embedded mode, and nothing from the surrounding shell or test runner that would change the portal's config.
  for (const name of ['DATABASE_URL', 'SECRET_KEY', 'PUBLIC_URL', 'HOST', 'SMTP_URL', 'TRUST_PROXY', 'NODE_TEST_CONTEXT']) {
    if (!(name in extra)) Reflect.deleteProperty(env, name);
  }
  return env;
}

// ---------------------------------------------------------------------------------------------------------
// Running the CLI from source.

interface Cli {
  child: ChildProcess;
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited and its output is read. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startCli(args: string[], env: NodeJS.ProcessEnv): Cli {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      children.delete(child);
      // 'close' follows once the pipes are drained; don't wait forever if something else holds them.
      const drained = setTimeout(() => resolve({ code, signal }), 2000);
      child.once('close', () => (clearTimeout(drained), resolve({ code, signal })));
    });
  });
  assert.ok(child.pid !== undefined, `could not start ${args.join(' ')}`);
  return { child, pid: child.pid, stdout: () => stdout, stderr: () => stderr, exited };
}

async function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000) {
  const cli = startCli(args, env);
  const result = await within(cli.exited, timeoutMs, () => {
    cli.child.kill('SIGKILL');
    return `\`${args.join(' ')}\` did not exit within ${timeoutMs} ms.\nstdout: ${cli.stdout()}\nstderr: ${cli.stderr()}`;
  });
  return { ...result, stdout: cli.stdout(), stderr: cli.stderr() };
}

async function within<T>(promise: Promise<T>, ms: number, onTimeout: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(onTimeout())), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls /readyz until it answers 200; fails early, with the portal's output, if the process exits. */
async function waitReady(cli: Cli, port: number, timeoutMs = 40_000): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (cli.child.exitCode !== null || cli.child.signalCode !== null) {
      throw new Error(`serve exited (${String(cli.child.exitCode ?? cli.child.signalCode)}) before it was ready:\n${cli.stderr()}\n${cli.stdout()}`);
    }
    const body = await readyz(port).catch(() => undefined);
    if (body !== undefined) return body;
    if (Date.now() > deadline) throw new Error(`serve was not ready within ${timeoutMs} ms:\n${cli.stderr()}\n${cli.stdout()}`);
    await sleep(150);
  }
}

async function readyz(port: number): Promise<unknown> {
  const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(3000) });
  if (response.status !== 200) throw new Error(`readyz answered ${response.status}`);
  return response.json();
}

async function waitForOutput(cli: Cli, pattern: RegExp, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(cli.stdout() + cli.stderr())) {
    if (cli.child.exitCode !== null || cli.child.signalCode !== null) throw new Error(`process exited before printing ${pattern}:\n${cli.stderr()}`);
    if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${cli.stderr()}\n${cli.stdout()}`);
    await sleep(50);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------------------
// Looking at the PostgreSQL server from outside.

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/** pg_ctl exactly as the portal runs it (the reachable binaries, as the postgres user when we are root). */
const pgCtl = runPgCtl;

/** The postmaster's PID from DATA_DIR/postgres/postmaster.pid, or undefined when there is none. */
async function postmasterPid(dataDir: string): Promise<number | undefined> {
  const text = await fs.readFile(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : Number(text.split('\n')[0]);
}

async function assertPostgresStopped(dataDir: string): Promise<void> {
  assert.equal(await exists(path.join(dataDir, 'postgres', 'postmaster.pid')), false, 'postmaster.pid should be gone');
  const status = await pgCtl(['status', '-D', path.join(dataDir, 'postgres')]);
  assert.equal(status.code, 3, `pg_ctl status should report no server running, got ${status.code}: ${status.output}`);
}

async function assertPostgresRunning(dataDir: string): Promise<void> {
  const status = await pgCtl(['status', '-D', path.join(dataDir, 'postgres')]);
  assert.equal(status.code, 0, `pg_ctl status should report a running server: ${status.output}`);
}

// ---------------------------------------------------------------------------------------------------------
// 1–3 share one DATA_DIR: first start, CLI beside the portal, a second portal refused, -9, restart, SIGTERM.

const shared = { dataDir: '', port: 0, serve: undefined as Cli | undefined, licenceId: '' };

function sharedServe(): Cli {
  assert.ok(shared.serve !== undefined, 'the portal from the first test is not running');
  return shared.serve;
}

void test('serve starts its own PostgreSQL from an empty DATA_DIR and /readyz answers ready', { timeout: 60_000 }, async () => {
  shared.dataDir = await freshDataDir();
  shared.port = await freePort();
  shared.serve = startCli(['serve'], portalEnv(shared.dataDir, shared.port));

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
  assert.match(row, /1234-5678-9012\s+standard\s+active\s+3\s+direct/);

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
  shared.serve = startCli(['serve'], portalEnv(shared.dataDir, shared.port));
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
  const a = startCli(['serve'], portalEnv(dataDir, portA));
  const b = startCli(['serve'], portalEnv(dataDir, portB));
  const migrate = startCli(['migrate'], portalEnv(dataDir, await freePort()));

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
  const serve = startCli(['serve'], portalEnv(dataDir, await freePort(), { LOG_LEVEL: 'info' }));
  await waitForOutput(serve, /Initialising the embedded PostgreSQL database/);
  serve.child.kill('SIGTERM');
  const { code, signal } = await within(serve.exited, 45_000, () => `serve did not exit after SIGTERM:\n${serve.stderr()}`);
  assert.equal(signal, null, 'the signal must be handled, not kill the process');
  assert.equal(code, 0, serve.stderr());
  assert.match(serve.stderr(), /Received SIGTERM while starting/);
  await assertPostgresStopped(dataDir);
  assert.equal(await exists(path.join(dataDir, 'postgres.starting')), false);
});

// ---------------------------------------------------------------------------------------------------------
// 4. The CLI on its own starts a server for itself and stops it after.

void test('CLI without a running portal: migrate and licence list work and leave no PostgreSQL running', { timeout: 60_000 }, async () => {
  const dataDir = await freshDataDir();
  const env = portalEnv(dataDir, await freePort());

  // licence list brings the new database's schema up to date itself, then finds nothing.
  const listed = await runCli(['licence', 'list'], env);
  assert.equal(listed.code, 0, listed.stderr);
  assert.equal(listed.stdout, 'No licences yet. Issue one with: webstream-portal licence issue --account <id>\n');
  await assertPostgresStopped(dataDir);

  const migrated = await runCli(['migrate'], env);
  assert.equal(migrated.code, 0, migrated.stderr);
  assert.equal(migrated.stdout, 'The database schema is up to date.\n');
  await assertPostgresStopped(dataDir);
});

// ---------------------------------------------------------------------------------------------------------
// 5. Arguments. None of these may touch DATA_DIR.

void test('demo starts the portal and the AWS emulator wired together: the buyer page posts to the portal, a subscription lands; SIGTERM stops both', { timeout: 90_000 }, async () => {
  const dataDir = await freshDataDir();
  const [port, emulatorPort] = [await freePort(), await freePort()];
  const demo = startCli(['demo', '--port', String(port), '--emulator-port', String(emulatorPort)], portalEnv(dataDir, port));
  await waitReady(demo, port);
  await waitForOutput(demo, /AWS emulator: buyer page/);
  assert.match(demo.stderr(), new RegExp(`http://localhost:${port}/portal/sign-in`));
  assert.match(demo.stderr(), new RegExp(`http://127\\.0\\.0\\.1:${emulatorPort}/buyer`));

  // A buyer subscribes on the emulator; the page's form posts the token to this portal's fulfillment URL.
  const subscribed = await fetch(`http://127.0.0.1:${emulatorPort}/buyer/subscribe`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ awsAccountId: '3000-0000-0007', dimension: 'standard', quantity: '4', durationMonths: '12' }).toString(),
  });
  const page = await subscribed.text();
  assert.equal(subscribed.status, 200, page.slice(0, 500));
  const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
  assert.equal(action, `http://localhost:${port}/marketplace/landing`);
  const token = /name="x-amzn-marketplace-token" value="([^"]+)"/.exec(page)?.[1] ?? '';
  const landed = await fetch(`http://127.0.0.1:${port}/marketplace/landing`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: `http://127.0.0.1:${emulatorPort}`, 'sec-fetch-site': 'cross-site' },
    body: new URLSearchParams({ 'x-amzn-marketplace-token': token }).toString(),
    redirect: 'manual',
  });
  assert.equal(landed.status, 200, (await landed.text()).slice(0, 500));

  demo.child.kill('SIGTERM');
  const { code } = await within(demo.exited, 30_000, () => `demo did not exit after SIGTERM:\n${demo.stderr()}`);
  assert.equal(code, 0, demo.stderr());
  await assertPostgresStopped(dataDir);
  await assert.rejects(fetch(`http://127.0.0.1:${emulatorPort}/buyer`), 'the emulator stopped too');
});

void test('bad arguments exit non-zero with a clear message on stderr', { timeout: 60_000 }, async () => {
  const dataDir = path.join(await freshDataDir(), 'never-created');
  const env = portalEnv(dataDir, await freePort());
  const cases: [string[], RegExp][] = [
    [['licence', 'issue'], /required option '--account <id>' not specified/],
    [['licence', 'issue', '--account', '12345'], /--account <id>.*'12345' is invalid\. An AWS account ID has exactly 12 digits/],
    [['licence', 'issue', '--account', ACCOUNT, '--seats', '0'], /--seats <n>.*'0' is invalid\. Expected a whole number from 1 to 100000/],
    [['licence', 'issue', '--account', ACCOUNT, '--days', 'abc'], /--days <n>.*'abc' is invalid\. Expected a whole number from 1 to 36500/],
    [['account', 'create', '--account', '12345', '--email', 'ops@example.com'], /--account <id>.*'12345' is invalid\. An AWS account ID has exactly 12 digits/],
    [['account', 'create', '--account', ACCOUNT, '--email', 'ops-at-example'], /--email <address>.*'ops-at-example' is invalid\. Enter an email address like name@example\.com/],
    [['account', 'create', '--account', ACCOUNT], /required option '--email <address>' not specified/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['serve', 'extra'], /serve takes no arguments/],
  ];
  const results = await Promise.all(cases.map(([args]) => runCli(args, env)));
  results.forEach((result, i) => {
    const [args, message] = cases[i] ?? [[], /./];
    assert.notEqual(result.code, 0, `${args.join(' ')} should fail`);
    assert.match(result.stderr, message, `${args.join(' ')}: ${result.stderr}`);
    assert.equal(result.stdout, '', `${args.join(' ')} printed to stdout`);
  });
  assert.equal(await exists(dataDir), false, 'argument errors must not start anything');
});

void test('--help prints usage and exits 0 for the program and every command', { timeout: 60_000 }, async () => {
  const dataDir = path.join(await freshDataDir(), 'never-created');
  const env = portalEnv(dataDir, await freePort());
  const cases: [string[], string, RegExp[]][] = [
    [['--help'], 'webstream-portal [options] [command]', [/serve/, /migrate/, /licence/, /account/]],
    [['serve', '--help'], 'webstream-portal serve [options]', [/Start the portal/]],
    [['migrate', '--help'], 'webstream-portal migrate [options]', [/schema up to date/]],
    [['licence', '--help'], 'webstream-portal licence [options] [command]', [/issue/, /list/]],
    [['licence', 'issue', '--help'], 'webstream-portal licence issue [options]', [/--account <id>/, /--seats <n>/, /--days <n>/, /--plan <name>/]],
    [['licence', 'list', '--help'], 'webstream-portal licence list [options]', [/--account <id>/, /--json/]],
    [['account', '--help'], 'webstream-portal account [options] [command]', [/create/]],
    [['account', 'create', '--help'], 'webstream-portal account create [options]', [/--account <id>/, /--email <address>/, /one-time\s+password/]],
  ];
  const results = await Promise.all(cases.map(([args]) => runCli(args, env)));
  results.forEach((result, i) => {
    const [args, usage, mentions] = cases[i] ?? [[], '', []];
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    assert.ok(result.stdout.startsWith(`Usage: ${usage}\n`), `${args.join(' ')}: ${result.stdout}`);
    for (const mention of mentions) assert.match(result.stdout, mention, args.join(' '));
  });
  assert.equal(await exists(dataDir), false, '--help must not start anything');
});

// ---------------------------------------------------------------------------------------------------------
// 6. Configuration errors are reported before anything starts, all at once.

void test('serve refuses an invalid configuration and lists every problem', { timeout: 60_000 }, async () => {
  const dataDir = path.join(await freshDataDir(), 'never-created');
  const external = 'postgres://portal:secret@127.0.0.1:1/webstream';
  const [noSecret, badPort, several] = await Promise.all([
    runCli(['serve'], portalEnv(dataDir, 3000, { DATABASE_URL: external })),
    runCli(['serve'], { ...portalEnv(dataDir, 3000), PORT: 'abc' }),
    runCli(['serve'], { ...portalEnv(dataDir, 3000, { DATABASE_URL: external }), PORT: 'abc', LOG_LEVEL: 'loud' }),
  ]);

  assert.notEqual(noSecret.code, 0);
  assert.match(noSecret.stderr, /Invalid configuration/);
  assert.match(noSecret.stderr, /SECRET_KEY is required when DATABASE_URL is set/);

  assert.notEqual(badPort.code, 0);
  assert.match(badPort.stderr, /PORT must be a port number between 0 and 65535, got "abc"/);

  assert.notEqual(several.code, 0);
  const problems = several.stderr.split('\n').filter((line) => line.startsWith('  - '));
  assert.equal(problems.length, 3, several.stderr);
  assert.match(several.stderr, /PORT must be/);
  assert.match(several.stderr, /SECRET_KEY is required/);
  assert.match(several.stderr, /LOG_LEVEL must be one of/);

  assert.equal(await exists(dataDir), false, 'an invalid configuration must not start anything');
});
