/**
 * The audit log's search (src/audit/audit-search.repo.ts) on PostgreSQL: filters, keyset pages that neither
 * skip nor repeat entries (also with many at the same instant), and the export walking every row.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAuditSearchRepo } from '../../src/audit/audit-search.repo.js';
import { scratchDb } from './scratch.js';

const db = await scratchDb('wsp_repo_audit_search');
const repo = createAuditSearchRepo(db);
const base = Date.UTC(2031, 0, 1);
const rows = Array.from({ length: 250 }, (_, i) => ({
  // Ten entries share each instant: paging must break ties by id.
  at: new Date(base + Math.floor(i / 10) * 60_000),
  event: ['sign_in.succeeded', 'sign_in.failed', 'licence.transition', 'activation.created', 'settings.changed'][i % 5] ?? 'x',
  actor: i % 5 === 4 ? 'staff:ann@example.com' : i % 5 === 3 ? 'instance:i-0123' : i % 7 === 0 ? 'system' : `account:${i % 2 === 0 ? '111122223333' : '444455556666'}`,
  aws_account_id: i % 2 === 0 ? '111122223333' : '444455556666',
  ip: '192.0.2.1',
  details: JSON.stringify({ n: i }),
  reason: i % 5 === 4 ? 'Changed by staff' : null,
}));
await db.insertInto('audit_events').values(rows).execute();

const ns = (list: { details: Record<string, unknown> }[]) => list.map((r) => r.details.n as number);

test('pages of 40, newest first, cover every entry once; the last page says there is no next', async () => {
  const seen: number[] = [];
  let cursor;
  let pages = 0;
  do {
    const result = await repo.page({}, cursor, 40);
    seen.push(...ns(result.rows));
    cursor = result.next;
    pages += 1;
  } while (cursor !== undefined);
  assert.equal(pages, 7);
  assert.equal(seen.length, 250);
  assert.equal(new Set(seen).size, 250);
  assert.equal(seen[0], 249, 'newest first');
});

test('filters: an event, an event family, an actor kind, one actor, an account and a time range', async () => {
  const count = async (filter: Parameters<typeof repo.page>[0]) => (await repo.page(filter, undefined, 1_000)).rows.length;
  assert.equal(await count({ event: 'licence.transition' }), 50);
  assert.equal(await count({ event: 'sign_in.' }), 100);
  assert.equal(await count({ actor: 'staff' }), 50);
  assert.equal(await count({ actor: 'staff:ann@example.com' }), 50);
  assert.equal(await count({ actor: 'instance' }), 50);
  assert.equal(await count({ awsAccountId: '111122223333' }), 125);
  assert.equal(await count({ from: new Date(base + 10 * 60_000), to: new Date(base + 12 * 60_000) }), 20);
  assert.equal(await count({ event: 'settings.changed', awsAccountId: '111122223333', from: new Date(base) }), 25);
  const staff = (await repo.page({ actor: 'staff' }, undefined, 1)).rows[0];
  assert.equal(staff?.reason, 'Changed by staff');
});

test('the export walks every matching row in batches', async () => {
  const batches: number[] = [];
  const all: number[] = [];
  for await (const batch of repo.all({ event: 'sign_in.' }, 30)) {
    batches.push(batch.length);
    all.push(...ns(batch));
  }
  assert.deepEqual(batches, [30, 30, 30, 10]);
  assert.equal(new Set(all).size, 100);
});
