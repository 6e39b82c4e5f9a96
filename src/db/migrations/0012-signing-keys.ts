import { sql, type Kysely } from 'kysely';

/**
 * Ed25519 keys that sign licence files (issue 11). The private key is sealed under a key derived from
 * SECRET_KEY; the public key is published in the JWKS while any file it signed can still be valid
 * (`published_until`, pushed forward by every file it signs). At most one key signs at a time (`retired_at`
 * null), which the database enforces.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table signing_keys (
      kid text primary key check (length(kid) between 8 and 64),
      public_jwk jsonb not null,
      private_key_sealed text not null,
      created_at timestamptz not null,
      retired_at timestamptz,
      published_until timestamptz,
      check ((retired_at is null) = (published_until is null))
    );
    create unique index signing_keys_one_current on signing_keys ((true)) where retired_at is null;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table signing_keys`.execute(db);
}
