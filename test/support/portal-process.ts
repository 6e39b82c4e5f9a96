/**
 * The real CLI (`serve` and the commands) as child processes on an embedded PostgreSQL server under a
 * DATA_DIR of the test's own, and a look at that server from outside. Call `cleanUpAfter(after)` once per
 * file: it kills what is left and removes the directories, whatever happened.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPgCtl } from '../../src/db/embedded-postgres.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const children = new Set<ChildProcess>();
const strayPids = new Set<number>();
const dataDirs: string[] = [];

export function cleanUpAfter(after: (fn: () => Promise<void>) => void): void {
  after(async () => {
    for (const pid of strayPids) signal(pid, 'SIGKILL');
    const running = [...children].filter((child) => child.exitCode === null && child.signalCode === null);
    for (const child of running) child.kill('SIGKILL');
    await Promise.all(running.map((child) => once(child, 'exit')));
    for (const dir of dataDirs) {
      const pgData = path.join(dir, 'postgres');
      if (await exists(path.join(pgData, 'postmaster.pid'))) await runPgCtl(['stop', '-D', pgData, '-m', 'immediate', '-w', '-t', '20']);
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
}

export async function freshDataDir(): Promise<string> {
  // Directly under the temp folder: as root the product opens DATA_DIR (0711) for the postgres user, not its parents.
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wsp-embedded-'));
  dataDirs.push(dir);
  return dir;
}

/** Embedded mode, and nothing from the surrounding shell or test runner that would change the portal's config. */
export function portalEnv(dataDir: string, port: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn', ...extra };
  for (const name of ['DATABASE_URL', 'SECRET_KEY', 'PUBLIC_URL', 'HOST', 'SMTP_URL', 'TRUST_PROXY', 'NODE_TEST_CONTEXT']) {
    if (!(name in extra)) Reflect.deleteProperty(env, name);
  }
  return env;
}

export interface Cli {
  /** The process spawned: the CLI itself, or under `orphanedZombie` the wrapper that never reaps it. */
  child: ChildProcess;
  /** The CLI's own PID (under `orphanedZombie`, not the wrapper's). */
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Whether the CLI process is still alive (not exited, not a zombie). */
  running(): boolean;
  /** Resolves when the CLI process has exited (for `orphanedZombie`: when the wrapper has). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `node src/cli/run.ts <args>`. With `orphanedZombie`, the CLI runs under a parent that never
 * reaps it (`sh` exec'ing into `sleep`): killed, it stays a zombie, whose PID still "exists" for kill(pid, 0).
 */
export async function startCli(args: string[], env: NodeJS.ProcessEnv, options: { orphanedZombie?: boolean } = {}): Promise<Cli> {
  const command = options.orphanedZombie === true ? 'sh' : process.execPath;
  const argv = ['--import', 'tsx', 'src/cli/run.ts', ...args];
  const commandArgs = options.orphanedZombie === true ? ['-c', '"$@" & echo "cli-pid $!"; exec sleep 600', 'sh', process.execPath, ...argv] : argv;
  const child = spawn(command, commandArgs, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
  if (child.pid === undefined) throw new Error(`could not start ${args.join(' ')}`);
  let pid = child.pid;
  if (options.orphanedZombie === true) {
    await waitFor(() => /cli-pid (\d+)\n/.test(stdout), 10_000, () => `the wrapper printed no PID: ${stderr}`);
    pid = Number(/cli-pid (\d+)\n/.exec(stdout)?.[1]);
    strayPids.add(pid);
  }
  const running = () => (options.orphanedZombie === true ? processState(pid) === 'running' : child.exitCode === null && child.signalCode === null);
  return { child, pid, stdout: () => stdout.replace(/^cli-pid \d+\n/, ''), stderr: () => stderr, running, exited };
}

/** Runs a CLI command to its end (killed after timeoutMs). */
export async function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000) {
  const cli = await startCli(args, env);
  const result = await within(cli.exited, timeoutMs, () => {
    signal(cli.pid, 'SIGKILL');
    return `\`${args.join(' ')}\` did not exit within ${timeoutMs} ms.\nstdout: ${cli.stdout()}\nstderr: ${cli.stderr()}`;
  });
  return { ...result, stdout: cli.stdout(), stderr: cli.stderr() };
}

export async function within<T>(promise: Promise<T>, ms: number, onTimeout: () => string): Promise<T> {
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

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, failure: () => string, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(failure());
    await sleep(everyMs);
  }
}

/** Polls /readyz until it answers 200; fails early, with the portal's output, if the process exits. */
export async function waitReady(cli: Cli, port: number, timeoutMs = 60_000): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!cli.running()) throw new Error(`serve exited before it was ready:\n${cli.stderr()}\n${cli.stdout()}`);
    const body = await readyz(port).catch(() => undefined);
    if (body !== undefined) return body;
    if (Date.now() > deadline) throw new Error(`serve was not ready within ${timeoutMs} ms:\n${cli.stderr()}\n${cli.stdout()}`);
    await sleep(100);
  }
}

export async function readyz(port: number): Promise<unknown> {
  const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(5000) });
  if (response.status !== 200) throw new Error(`readyz answered ${response.status}`);
  return response.json();
}

/** Waits until the CLI has printed `pattern` (on stdout or stderr); fails early, with its output, if it exits. */
export async function waitForOutput(cli: Cli, pattern: RegExp, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(cli.stdout() + cli.stderr())) {
    if (!cli.running()) throw new Error(`process exited before printing ${pattern}:\n${cli.stderr()}`);
    if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${cli.stderr()}\n${cli.stdout()}`);
    await sleep(50);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/** Linux process state from /proc/<pid>/stat: running (any live state), zombie, or gone. */
export function processState(pid: number): 'running' | 'zombie' | 'gone' {
  try {
    // Synchronous: used inside conditions polled in loops.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X' ? 'zombie' : 'running';
  } catch {
    return 'gone';
  }
}

/** Kills a process with -9 and waits until it can no longer act (gone, or a zombie nobody reaps). */
export async function killHard(pid: number): Promise<void> {
  signal(pid, 'SIGKILL');
  await waitFor(() => processState(pid) !== 'running', 10_000, () => `process ${pid} survived SIGKILL`, 20);
}

export async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/** The postmaster's PID and port from DATA_DIR/postgres/postmaster.pid (lines 1 and 4), when there is one. */
export async function postmaster(dataDir: string): Promise<{ pid: number; port: number } | undefined> {
  const text = await fs.readFile(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const lines = text.split('\n');
  return { pid: Number(lines[0]), port: Number(lines[3]) };
}

export async function assertPostgresStopped(dataDir: string): Promise<void> {
  assert.equal(await exists(path.join(dataDir, 'postgres', 'postmaster.pid')), false, 'postmaster.pid should be gone');
  const status = await runPgCtl(['status', '-D', path.join(dataDir, 'postgres')]);
  assert.equal(status.code, 3, `pg_ctl status should report no server running, got ${status.code}: ${status.output}`);
}

export async function assertPostgresRunning(dataDir: string): Promise<void> {
  const status = await runPgCtl(['status', '-D', path.join(dataDir, 'postgres')]);
  assert.equal(status.code, 0, `pg_ctl status should report a running server: ${status.output}`);
}

/** The URL of the embedded server running on DATA_DIR, for looking at its database from the test. */
export async function embeddedUrl(dataDir: string): Promise<string> {
  const server = await postmaster(dataDir);
  if (server === undefined) throw new Error(`no PostgreSQL server is running on ${dataDir}`);
  const credentials = JSON.parse(await fs.readFile(path.join(dataDir, 'postgres-credentials.json'), 'utf8')) as { user: string; password: string };
  return `postgres://${credentials.user}:${encodeURIComponent(credentials.password)}@127.0.0.1:${server.port}/webstream`;
}

/** Every process whose parent is `pid` (a postmaster's backends and helpers). */
export async function childPids(pid: number): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === pid) found.push(Number(entry));
  }
  return found;
}
