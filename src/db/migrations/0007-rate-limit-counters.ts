import { sql, type Kysely } from 'kysely';

/**
 * Request rate limits counted in the database, so that every portal process shares one count per address:
 * one row per limited route and client key, with its fixed window's start and the hits in it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table rate_limit_counters (
      key text primary key check (length(key) between 1 and 512),
      window_started_at timestamptz not null,
      hits integer not null check (hits > 0)
    );
    create index rate_limit_counters_window on rate_limit_counters (window_started_at);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table rate_limit_counters`.execute(db);
}
