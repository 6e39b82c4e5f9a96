import { sql, type Kysely } from 'kysely';

/**
 * The admin panel's customer search by part of an email (`email ilike '%part%'`) served by trigram indexes
 * rather than a scan of every account. pg_trgm ships with PostgreSQL and is a trusted extension (a database
 * owner may create it); a server without it keeps the search working, unindexed, and says so in its log.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    do $$
    begin
      create extension if not exists pg_trgm;
    exception when insufficient_privilege or undefined_file or feature_not_supported then
      raise warning 'pg_trgm is not available here: the admin customer search by email stays unindexed';
    end $$;
  `.execute(db);
  await sql`
    do $$
    begin
      if exists (select 1 from pg_extension where extname = 'pg_trgm') then
        create index portal_accounts_email_trgm on portal_accounts using gin (email gin_trgm_ops);
        create index licences_contact_email_trgm on licences using gin (contact_email gin_trgm_ops) where contact_email is not null;
      end if;
    end $$;
  `.execute(db);
}

/** The extension stays: other objects may have come to use it. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop index if exists portal_accounts_email_trgm;
    drop index if exists licences_contact_email_trgm;
  `.execute(db);
}
