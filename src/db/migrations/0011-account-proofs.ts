import { sql, type Kysely } from 'kysely';

/**
 * Portal links (POST /api/v1/portal-links): a single-use, short-lived link a WebStream instance's admin
 * panel opens, proving its AWS account ID by the instance's EC2 identity document (src/account-proofs).
 * Only a hash of the link's random token is stored; single use is enforced here (an update "where used_at
 * is null and expires_at > now" spends it), whatever the browser holds.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table account_proof_links (
      token_hash text primary key check (token_hash ~ '^[0-9a-f]{64}$'),
      aws_account_id text not null check (aws_account_id ~ '^[0-9]{12}$'),
      -- The instance whose identity document proved the account, for the audit trail and the page.
      instance_id text not null check (length(instance_id) between 1 and 64),
      region text not null check (length(region) between 1 and 64),
      created_at timestamptz not null,
      expires_at timestamptz not null check (expires_at > created_at),
      used_at timestamptz,
      used_by_account_id uuid references portal_accounts(id) on delete set null
    );
    create index account_proof_links_account on account_proof_links (aws_account_id);
    create index account_proof_links_expiry on account_proof_links (expires_at);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table account_proof_links`.execute(db);
}
