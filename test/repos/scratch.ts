/**
 * The repo test tier: each file migrates its own scratch database on TEST_DATABASE_URL and runs repos against
 * it, for what only SQL can show (row locks, upserts, single-use updates racing on several connections).
 */
import { after } from 'node:test';
import { connectDatabase, migrateToLatest, type Db } from '../../src/db/database.js';
import { createScratchDatabase } from '../support/resources.js';

/** How many connections race at once; the pool has room for all of them and the test's own queries. */
export const RACERS = 8;

export async function scratchDb(prefix: string): Promise<Db> {
  const scratch = await createScratchDatabase(prefix);
  const database = connectDatabase(scratch.url, { maxConnections: RACERS * 2 });
  after(async () => {
    await database.close();
    await scratch.drop();
  });
  await migrateToLatest(database.db);
  return database.db;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` in `n` transactions at once, each on its own connection: all have begun before any works,
 * and each holds its transaction open a moment after working, so the statements really overlap in the
 * database (a later one meets the earlier one's uncommitted row, and waits for it or must not see it).
 */
export async function race<T>(db: Db, n: number, work: (trx: Db, index: number) => Promise<T>): Promise<T[]> {
  let begun = 0;
  let allBegun: () => void = () => undefined;
  const everyoneIn = new Promise<void>((resolve) => {
    allBegun = resolve;
  });
  return Promise.all(
    Array.from({ length: n }, (_, index) =>
      db.transaction().execute(async (trx) => {
        await trx.selectFrom('portal_settings').select('key').limit(1).execute();
        if (++begun === n) allBegun();
        await everyoneIn;
        const result = await work(trx, index);
        await sleep(25);
        return result;
      }),
    ),
  );
}
