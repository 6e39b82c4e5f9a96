/**
 * The admin panel's customer search (src/accounts/customer-search.repo.ts) on PostgreSQL: part of an email
 * found among 5 000 accounts and in licence contacts, `%` and `_` typed meaning themselves, paging by account
 * ID, and the trigram indexes of migration 0018 serving the search instead of a scan of every account.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { createCustomerSearchRepo } from '../../src/accounts/customer-search.repo.js';
import { scratchDb } from './scratch.js';

const db = await scratchDb('wsp_repo_customer_search');
const repo = createCustomerSearchRepo(db);
const ACCOUNTS = 5_000;

await sql`
  insert into portal_accounts (aws_account_id, email, password_hash, password_changed_at, created_at)
  select lpad(n::text, 12, '0'), 'buyer-' || n || '@customer-' || (n % 97) || '.example', 'x', now(), now()
  from generate_series(1, ${ACCOUNTS}) as n
`.execute(db);
await db.insertInto('portal_accounts').values({ aws_account_id: '999900000001', email: 'ops_100%@literal.example', password_hash: 'x', password_changed_at: new Date(), created_at: new Date() }).execute();
// An AWS account known only by a licence's contact.
await db
  .insertInto('licences')
  .values({ aws_account_id: '888800000001', plan: 'standard', seats: 1, status: 'active', source: 'direct', starts_at: new Date(), created_at: new Date(), updated_at: new Date(), contact_email: 'procurement@licence-only.example' })
  .execute();
await sql`analyze portal_accounts; analyze licences`.execute(db);

const ids = (rows: { awsAccountId: string }[]) => rows.map((r) => r.awsAccountId);

test('part of an email finds its accounts, case aside, from portal accounts and licence contacts alike', async () => {
  assert.deepEqual(ids((await repo.search({ kind: 'email', part: 'BUYER-1234@' }, undefined, 25)).rows), ['000000001234']);
  const onlyLicence = await repo.search({ kind: 'email', part: 'licence-only' }, undefined, 25);
  assert.deepEqual(ids(onlyLicence.rows), ['888800000001']);
  assert.deepEqual(onlyLicence.rows.map((r) => [r.hasPortalAccount, r.licenceContact]), [[false, 'procurement@licence-only.example']]);
});

test('% and _ typed in a search match only themselves', async () => {
  assert.deepEqual(ids((await repo.search({ kind: 'email', part: 'ops_100%' }, undefined, 25)).rows), ['999900000001']);
  assert.equal((await repo.search({ kind: 'email', part: 'buyer_1%' }, undefined, 25)).total, 0);
});

test('a broad match pages by account ID with its total, each account once', async () => {
  const seen: string[] = [];
  let after: string | undefined;
  let total: number | undefined;
  do {
    const page = await repo.search({ kind: 'email', part: '@customer-7.example' }, after, 50);
    seen.push(...ids(page.rows));
    total = page.total;
    after = page.next;
  } while (after !== undefined);
  assert.equal(total, Math.floor((ACCOUNTS - 7) / 97) + 1);
  assert.equal(seen.length, total);
  assert.deepEqual([...seen].sort(), seen, 'in account ID order');
});

test('the email search can be served by the trigram indexes, not a scan of every account', async () => {
  // At this size a scan is as quick and the planner may take it (at 200 000 accounts it picks the index: 11-17 ms
  // against 51-53 ms scanning); with scans priced out, the predicates must be answerable from the indexes.
  await db.transaction().execute(async (trx) => {
    await sql`set local enable_seqscan = off`.execute(trx);
    const plan = async (query: string) => JSON.stringify((await sql<{ 'QUERY PLAN': unknown }>`explain (format json) ${sql.raw(query)}`.execute(trx)).rows[0]?.['QUERY PLAN']);
    // The repo's predicates (src/accounts/customer-search.repo.ts), as it writes them.
    const accounts = await plan(`select aws_account_id from portal_accounts where email ilike '%buyer-1234@%'`);
    assert.match(accounts, /"Index Name":"portal_accounts_email_trgm"/, accounts);
    const contacts = await plan(`select aws_account_id from licences where contact_email ilike '%licence-only%'`);
    assert.match(contacts, /"Index Name":"licences_contact_email_trgm"/, contacts);
  });
});
