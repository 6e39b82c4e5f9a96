import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import type { Database } from '../../src/db/schema.js';

/**
 * What a refused request may legitimately write: the records OF the refusal, nothing else.
 * - sign_in_throttles: every sign-in, MFA-code and password re-entry attempt is counted before it is checked.
 * - rate_limit_counters: a limited route (the Marketplace landing) counts every attempt, refused or not.
 * - audit_events rows of these events: failed sign-ins, registrations, password re-entries and MFA codes are
 *   audited (registration refusals count under the sign-in's brute-force policy), and a refusal is when they happen;
 *   so are identity documents that fail verification (the licence API counts them per address, too).
 */
const REFUSAL_RECORD_TABLES = new Set(['sign_in_throttles', 'rate_limit_counters']);
const REFUSAL_AUDIT_EVENTS = ['sign_in.failed', 'sign_in.locked_out', 'registration.refused', 'registration.locked_out', 'account.password_check_failed', 'mfa.challenge_failed', 'instance.identity_refused', 'staff.sign_in.failed', 'staff.sign_in.locked_out', 'staff.totp_failed', 'staff.password_check_failed'];

export type Checksums = Record<string, string>;

/**
 * Fingerprints of every table in the public schema (except the refusal records above): the row count and
 * the newest row version (xmin). Any insert or update writes a row version with a new, higher transaction
 * id and a delete lowers the count, so any write shows. One prepared statement on a connection of its own
 * (a fifth of the cost of planning it each time, or of an md5 of every row), so every request is checked.
 */
export class TableChecksums {
  private client: pg.Client | undefined;
  private text = '';

  constructor(
    private readonly db: Kysely<Database>,
    private readonly databaseUrl: string | undefined,
  ) {}

  async open(): Promise<void> {
    const names = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`.execute(this.db);
    const tables = names.rows.map((r) => r.name).filter((name) => !REFUSAL_RECORD_TABLES.has(name));
    const events = REFUSAL_AUDIT_EVENTS.map((e) => `'${e}'`).join(', ');
    const columns = tables.map((table) => {
      const filter = table === 'audit_events' ? ` where t.event not in (${events})` : '';
      return `(select count(*) || '/' || coalesce(max(t.xmin::text::bigint), 0) from "${table}" t${filter}) as "${table}"`;
    });
    this.text = `select ${columns.join(', ')}`;
    // Embedded mode has no URL to connect to: the portal's pool then runs it unprepared.
    if (this.databaseUrl !== undefined) {
      this.client = new pg.Client({ connectionString: this.databaseUrl });
      await this.client.connect();
    }
  }

  async take(): Promise<Checksums> {
    if (this.client === undefined) return (await sql.raw<Checksums>(this.text).execute(this.db)).rows[0] ?? {};
    return (await this.client.query<Checksums>({ name: 'fuzz_table_checksums', text: this.text })).rows[0] ?? {};
  }

  async close(): Promise<void> {
    await this.client?.end();
  }
}

/** The tables whose fingerprint differs. */
export function changedTables(before: Checksums, after: Checksums): string[] {
  return Object.keys(after).filter((table) => before[table] !== after[table]);
}

/** Forgets throttles and rate-limit counts (refusal records only), so the fuzzer keeps reaching past them. */
export async function forgetRefusalRecords(db: Kysely<Database>): Promise<void> {
  await db.deleteFrom('sign_in_throttles').execute();
  await db.deleteFrom('rate_limit_counters').execute();
}
