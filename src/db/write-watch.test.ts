import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import { watchWrites } from './write-watch.js';

interface Tables {
  licences: { id: string; status: string };
  activations: { id: string; licence_id: string };
  audit_events: { id: number };
}

test('inserts, updates and deletes of the watched tables are noticed as they are sent; reads and other tables are not', async () => {
  let writes = 0;
  const db = new Kysely<Tables>({
    dialect: { createAdapter: () => new PostgresAdapter(), createDriver: () => new DummyDriver(), createIntrospector: (k) => new PostgresIntrospector(k), createQueryCompiler: () => new PostgresQueryCompiler() },
    plugins: [watchWrites(['licences', 'activations'], () => (writes += 1))],
  });
  const noticed = async (run: () => Promise<unknown>) => {
    const before = writes;
    await run();
    return writes - before;
  };
  assert.equal(await noticed(() => db.updateTable('licences').set({ status: 'suspended' }).where('id', '=', 'x').execute()), 1);
  assert.equal(await noticed(() => db.insertInto('activations').values({ id: 'a', licence_id: 'x' }).execute()), 1);
  assert.equal(await noticed(() => db.updateTable('activations as a').set({ licence_id: 'y' }).execute()), 1);
  assert.equal(await noticed(() => db.deleteFrom('licences').where('id', '=', 'x').execute()), 1);
  assert.equal(await noticed(() => db.selectFrom('licences').selectAll().execute()), 0);
  assert.equal(await noticed(() => db.insertInto('audit_events').values({ id: 1 }).execute()), 0);
  await db.destroy();
});
