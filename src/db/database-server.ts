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
 */
export async function openDatabaseServer(config: Config, options: { role: 'server' | 'command'; logger: Logger }): Promise<DatabaseServer> {
  if (config.databaseUrl !== undefined) return { url: config.databaseUrl, mode: 'external', release: () => Promise.resolve() };

  const lockFile = path.join(config.dataDir, 'portal.pid');
  if (options.role === 'server') {
    const owner = await livePortalPid(lockFile);
    if (owner !== undefined && owner !== process.pid) {
      throw new Error(`Another portal (PID ${owner}) is already serving from ${config.dataDir}. Stop it first, or run several portals on one PostgreSQL server with DATABASE_URL.`);
    }
  }
  const embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, log: (message) => options.logger.info(message) });
  if (options.role === 'server') await fs.writeFile(lockFile, String(process.pid));

  return {
    url: embedded.url,
    mode: 'embedded',
    async release() {
      if (options.role === 'server') {
        await embedded.stop();
        await fs.rm(lockFile, { force: true });
      } else if (embedded.startedHere && (await livePortalPid(lockFile)) === undefined) {
        await embedded.stop();
      }
    },
  };
}

async function livePortalPid(lockFile: string): Promise<number | undefined> {
  const pid = Number(await fs.readFile(lockFile, 'utf8').catch(() => ''));
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}
