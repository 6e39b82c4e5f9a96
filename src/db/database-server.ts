import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';

export interface DatabaseServer {
  url: string;
  mode: 'embedded' | 'external';
  /** Stops the embedded server when this process is the one responsible for it. */
  release(): Promise<void>;
}

/**
 * Where the database is: DATABASE_URL, or the embedded server under DATA_DIR. The serving portal owns
 * the embedded server (a lock file names its PID) and stops it on shutdown; a CLI command borrows a
 * running server, or starts one for itself and stops it after, unless a portal took it over meanwhile.
 * Starting and stopping are serialised among the processes sharing DATA_DIR (see withStartLock).
 */
export async function openDatabaseServer(config: Config, options: { role: 'server' | 'command'; logger: Logger }): Promise<DatabaseServer> {
  if (config.databaseUrl !== undefined) return { url: config.databaseUrl, mode: 'external', release: () => Promise.resolve() };

  const lockFile = path.join(config.dataDir, 'portal.pid');
  const embedded = await withStartLock(config.dataDir, async () => {
    if (options.role === 'server') {
      const owner = await livePortalPid(lockFile);
      if (owner !== undefined) {
        throw new Error(`Another portal (PID ${owner}) is already serving from ${config.dataDir}. Stop it first, or run several portals on one PostgreSQL server with DATABASE_URL.`);
      }
    }
    const started = await startEmbeddedPostgres({ dataDir: config.dataDir, log: (message) => options.logger.info(message) });
    if (options.role === 'server') await fs.writeFile(lockFile, String(process.pid));
    return started;
  });

  return {
    url: embedded.url,
    mode: 'embedded',
    release: () =>
      withStartLock(config.dataDir, async () => {
        if (options.role === 'server') {
          await embedded.stop();
          await fs.rm(lockFile, { force: true });
        } else if (embedded.startedHere && (await livePortalPid(lockFile)) === undefined) {
          await embedded.stop();
        }
      }),
  };
}

/** The PID in DATA_DIR/portal.pid when that process is alive and is not this one (a stale file can name us). */
async function livePortalPid(lockFile: string): Promise<number | undefined> {
  const pid = Number(await fs.readFile(lockFile, 'utf8').catch(() => ''));
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  return isAlive(pid) ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return error instanceof Error && 'code' in error && error.code === 'EPERM';
  }
}

/**
 * Runs `fn` while holding DATA_DIR/postgres.starting, an exclusive lock file naming this process. Without it,
 * two processes starting on an empty DATA_DIR (two portals, or a portal and a CLI command) run initdb on the
 * same directory at once and both fail, and a second portal started while the first is still starting passes
 * the portal.pid check. A lock left by a dead process (killed with -9 while starting) is taken over.
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
    const stale = Number.isInteger(holder) && holder > 0 ? holder === process.pid || !isAlive(holder) : Date.now() - stat.mtimeMs > 10_000;
    if (stale) {
      await fs.rm(file, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`Process ${holder} has been starting the embedded PostgreSQL server under ${dataDir} for too long (lock file ${file}).`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  try {
    return await fn();
  } finally {
    await fs.rm(file, { force: true });
  }
}
