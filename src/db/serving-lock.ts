import pg from 'pg';
import type { Logger } from 'pino';

/**
 * "One serving portal per DATA_DIR", as a PostgreSQL advisory lock held on a dedicated session to the
 * embedded server. PostgreSQL drops it when the holder's connection closes, so a portal killed with -9
 * (even one left a zombie, or whose PID was reused) never blocks the next start, unlike a PID file.
 */

// Two-int form ("WSPP", 1): shows in pg_locks as classid/objid with objsubid 2, apart from Kysely's migration lock.
const LOCK_KEY = { classid: 1465077840, objid: 1 };
const TRY_LOCK = `select pg_try_advisory_lock(${LOCK_KEY.classid}, ${LOCK_KEY.objid}) as taken`;
/** The lock's holder in this database, with the application_name it connected with (it carries its PID). */
const HOLDER = `
  select a.application_name from pg_locks l join pg_stat_activity a on a.pid = l.pid
  where l.locktype = 'advisory' and l.granted and l.classid = ${LOCK_KEY.classid} and l.objid = ${LOCK_KEY.objid} and l.objsubid = 2
    and l.database = (select oid from pg_database where datname = current_database())`;
const APPLICATION_PREFIX = 'webstream-portal serve pid=';
const RECONNECT_EVERY_MS = 2000;

export interface ServingLock {
  /** Ends the lock's session (PostgreSQL releases the lock with it) and stops any reconnecting. */
  release(): Promise<void>;
}

export type LockAttempt = { taken: true; lock: ServingLock } | { taken: false; holderPid: number | undefined };

/**
 * Takes the lock, or reports who holds it. A holder killed a moment ago may still hold it until its
 * backend notices the closed socket, so a refusal is retried for `graceMs` before it is final.
 */
export async function takeServingLock(url: string, logger: Logger, graceMs = 2000): Promise<LockAttempt> {
  const deadline = Date.now() + graceMs;
  for (;;) {
    const client = await connect(url);
    if (await tryLock(client)) return { taken: true, lock: keepLock(url, client, logger) };
    await client.end().catch(() => undefined);
    if (Date.now() >= deadline) return { taken: false, holderPid: await holderPid(url).catch(() => undefined) };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Whether a serving portal holds the lock (a CLI command must then leave the server running). */
export async function servingLockHeld(url: string): Promise<boolean> {
  return (await holder(url)) !== undefined;
}

async function holderPid(url: string): Promise<number | undefined> {
  const name = await holder(url);
  const pid = Number(name?.startsWith(APPLICATION_PREFIX) ? name.slice(APPLICATION_PREFIX.length) : NaN);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

async function holder(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ application_name: string }>(HOLDER);
    return rows[0]?.application_name;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: `${APPLICATION_PREFIX}${process.pid}` });
  // Until keepLock takes over: an error here surfaces through connect() or the query instead.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

async function tryLock(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query<{ taken: boolean }>(TRY_LOCK);
  return rows[0]?.taken === true;
}

/**
 * Holds the lock on `first`. If that session is lost (the embedded server was killed or restarted), the
 * portal keeps running without the lock, says so, and takes it again once the server answers on that port.
 */
function keepLock(url: string, first: pg.Client, logger: Logger): ServingLock {
  let current: pg.Client | undefined = first;
  let retry: NodeJS.Timeout | undefined;
  let released = false;

  const watch = (client: pg.Client) => {
    const lost = () => {
      if (released || current !== client) return;
      current = undefined;
      logger.warn('Lost the PostgreSQL session holding the portal lock (was the embedded server stopped?). Another portal could start on this DATA_DIR until it is back.');
      schedule();
    };
    client.removeAllListeners('error');
    client.on('error', lost);
    client.on('end', lost);
  };

  const schedule = () => {
    retry = setTimeout(() => void retake(), RECONNECT_EVERY_MS);
    retry.unref();
  };

  const retake = async () => {
    const client = await connect(url).catch(() => undefined);
    if (client === undefined) return released ? undefined : schedule();
    const taken = await tryLock(client).catch(() => undefined);
    if (released || taken !== true) {
      await client.end().catch(() => undefined);
      if (released) return;
      if (taken === undefined) return schedule(); // lost again while asking
      logger.warn('The PostgreSQL server is back, but another portal now holds the portal lock on this DATA_DIR.');
      return;
    }
    current = client;
    watch(client);
    logger.info('The PostgreSQL server is back: holding the portal lock again.');
  };

  watch(first);
  return {
    async release() {
      released = true;
      clearTimeout(retry);
      await current?.end().catch(() => undefined);
      current = undefined;
    },
  };
}
