import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { servingLockHeld, takeServingLock } from './serving-lock.js';

export interface DatabaseServer {
  url: string;
  mode: 'embedded' | 'external';
  /** Stops the embedded server when this process is the one responsible for it. */
  release(): Promise<void>;
}

/**
 * Where the database is: DATABASE_URL, or the embedded server under DATA_DIR. The serving portal owns
 * the embedded server (it holds the serving lock, see serving-lock.ts) and stops it on shutdown; a CLI
 * command borrows a running server, or starts one for itself and stops it after, unless a portal took
 * it over meanwhile. Starting and stopping are serialised among the processes sharing DATA_DIR (see withStartLock).
 */
export async function openDatabaseServer(config: Config, options: { role: 'server' | 'command'; logger: Logger }): Promise<DatabaseServer> {
  if (config.databaseUrl !== undefined) return { url: config.databaseUrl, mode: 'external', release: () => Promise.resolve() };

  const { embedded, lock } = await withStartLock(config.dataDir, async () => {
    const started = await startEmbeddedPostgres({ dataDir: config.dataDir, log: (message) => options.logger.info(message) });
    if (options.role === 'command') return { embedded: started, lock: undefined };
    const attempt = await takeServingLock(started.url, options.logger);
    if (!attempt.taken) {
      const holder = attempt.holderPid === undefined ? 'Another portal' : `Another portal (PID ${attempt.holderPid})`;
      throw new Error(`${holder} is already serving from ${config.dataDir}. Stop it first, or run several portals on one PostgreSQL server with DATABASE_URL.`);
    }
    return { embedded: started, lock: attempt.lock };
  });

  return {
    url: embedded.url,
    mode: 'embedded',
    release: () =>
      withStartLock(config.dataDir, async () => {
        if (lock !== undefined) {
          // The lock's session first: the server would otherwise wait for it in a fast shutdown.
          await lock.release();
          await embedded.stop();
        } else if (embedded.startedHere && !(await servingLockHeld(embedded.url).catch(() => false))) {
          // Unreachable counts as "no portal": there is nothing left to borrow anyway.
          await embedded.stop();
        }
      }),
  };
}

/** Whether `pid` is a process that can still act: a zombie (killed, not yet reaped by its parent) cannot. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    if (!(error instanceof Error && 'code' in error && error.code === 'EPERM')) return false;
  }
  return !isZombie(pid);
}

/** Linux: the state letter after the command name in /proc/<pid>/stat. Elsewhere: never known to be one. */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return false;
  }
}

/** The start lock's holder refreshes its file this often; a file not refreshed for STALE_AFTER_MS is abandoned. */
const HEARTBEAT_MS = 5000;
const STALE_AFTER_MS = 30_000;

/**
 * Runs `fn` while holding DATA_DIR/postgres.starting, an exclusive lock file naming this process. Without it,
 * two processes starting on an empty DATA_DIR (two portals, or a portal and a CLI command) run initdb on the
 * same directory at once and both fail, and a CLI command could stop the server a portal is just taking over.
 * A lock left by a dead process (killed with -9 while starting) is taken over: its PID is gone or a zombie,
 * or, when the PID was reused by another program, the file has not been refreshed for STALE_AFTER_MS.
 */
async function withStartLock<T>(dataDir: string, fn: () => Promise<T>, timeoutMs = 120_000): Promise<T> {
  const file = path.join(dataDir, 'postgres.starting');
  await fs.mkdir(dataDir, { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const claimed = await fs.writeFile(file, String(process.pid), { flag: 'wx' }).then(
      () => true,
      (error: unknown) => {
        if (error instanceof Error && 'code' in error && error.code === 'EEXIST') return false;
        throw error;
      },
    );
    if (claimed) break;
    const [text, stat] = await Promise.all([fs.readFile(file, 'utf8').catch(() => undefined), fs.stat(file).catch(() => undefined)]);
    if (text === undefined || stat === undefined) continue; // released meanwhile: try again
    const holder = Number(text);
    // An empty file is a lock being written right now, unless it is old.
    const named = Number.isInteger(holder) && holder > 0;
    const stale = Date.now() - stat.mtimeMs > STALE_AFTER_MS || (named && (holder === process.pid || !isAlive(holder)));
    // Re-read first: another waiter may have removed the stale file and claimed the lock meanwhile.
    if (stale && (await fs.readFile(file, 'utf8').catch(() => undefined)) === text) {
      await fs.rm(file, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`Process ${holder} has been starting the embedded PostgreSQL server under ${dataDir} for too long (lock file ${file}).`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const heartbeat = setInterval(() => {
    const now = new Date();
    fs.utimes(file, now, now).catch(() => undefined);
  }, HEARTBEAT_MS);
  try {
    return await fn();
  } finally {
    clearInterval(heartbeat);
    await fs.rm(file, { force: true });
  }
}
