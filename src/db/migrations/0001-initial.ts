import { sql, type Kysely } from 'kysely';

// Migrations are plain SQL so the schema is reviewable as PostgreSQL sees it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table portal_accounts (
      id uuid primary key default gen_random_uuid(),
      aws_account_id text not null constraint portal_accounts_one_per_aws_account unique
        check (aws_account_id ~ '^[0-9]{12}$'),
      email text not null check (length(email) between 3 and 254),
      email_verified_at timestamptz,
      password_hash text not null,
      password_changed_at timestamptz not null,
      must_change_password boolean not null default false,
      disabled_at timestamptz,
      created_at timestamptz not null
    );

    create table password_history (
      id bigint generated always as identity primary key,
      account_id uuid not null references portal_accounts(id) on delete cascade,
      password_hash text not null,
      created_at timestamptz not null
    );
    create index password_history_account on password_history (account_id, created_at desc);

    create table portal_sessions (
      token_hash text primary key,
      account_id uuid not null references portal_accounts(id) on delete cascade,
      created_at timestamptz not null,
      expires_at timestamptz not null,
      last_seen_at timestamptz not null,
      ip text not null,
      user_agent text not null
    );
    create index portal_sessions_account on portal_sessions (account_id);
    create index portal_sessions_expiry on portal_sessions (expires_at);

    create table sign_in_throttles (
      key text primary key,
      failures integer not null check (failures >= 0),
      locked_until timestamptz,
      last_failure_at timestamptz not null
    );

    create table password_reset_tokens (
      token_hash text primary key,
      account_id uuid not null references portal_accounts(id) on delete cascade,
      created_at timestamptz not null,
      expires_at timestamptz not null,
      used_at timestamptz
    );
    create index password_reset_tokens_account on password_reset_tokens (account_id);

    create table email_verification_tokens (
      token_hash text primary key,
      account_id uuid not null references portal_accounts(id) on delete cascade,
      email text not null,
      created_at timestamptz not null,
      expires_at timestamptz not null,
      used_at timestamptz
    );

    create table licences (
      id uuid primary key default gen_random_uuid(),
      aws_account_id text not null check (aws_account_id ~ '^[0-9]{12}$'),
      plan text not null check (length(plan) between 1 and 64),
      seats integer not null check (seats between 1 and 100000),
      status text not null check (status in ('requested', 'active', 'suspended', 'expired', 'revoked')),
      source text not null check (source in ('direct', 'marketplace', 'trial')),
      starts_at timestamptz not null,
      ends_at timestamptz check (ends_at is null or ends_at > starts_at),
      created_at timestamptz not null,
      updated_at timestamptz not null
    );
    create index licences_account on licences (aws_account_id, created_at);

    create table licence_transitions (
      id bigint generated always as identity primary key,
      licence_id uuid not null references licences(id) on delete cascade,
      action text not null,
      from_status text,
      to_status text not null,
      actor text not null,
      reason text not null,
      at timestamptz not null
    );
    create index licence_transitions_licence on licence_transitions (licence_id, id);

    create table audit_events (
      id bigint generated always as identity primary key,
      at timestamptz not null,
      event text not null,
      actor text not null,
      aws_account_id text,
      ip text,
      details jsonb not null default '{}'
    );
    create index audit_events_account on audit_events (aws_account_id, at desc);
    create index audit_events_at on audit_events (at desc);

    create table mail_outbox (
      id bigint generated always as identity primary key,
      to_address text not null,
      subject text not null,
      text_body text not null,
      created_at timestamptz not null,
      status text not null check (status in ('pending', 'sent', 'failed', 'kept')),
      attempts integer not null default 0,
      next_attempt_at timestamptz not null,
      last_error text,
      sent_at timestamptz
    );
    create index mail_outbox_pending on mail_outbox (next_attempt_at) where status = 'pending';

    create table portal_settings (
      key text primary key,
      value jsonb not null,
      updated_at timestamptz not null
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table portal_settings, mail_outbox, audit_events, licence_transitions, licences,
      email_verification_tokens, password_reset_tokens, sign_in_throttles, portal_sessions,
      password_history, portal_accounts;
  `.execute(db);
}
