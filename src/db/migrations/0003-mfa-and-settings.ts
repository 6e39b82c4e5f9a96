import { sql, type Kysely } from 'kysely';

/**
 * MFA (authenticator app or emailed codes, recovery codes), the pending second sign-in step, remembered
 * browsers for the new-device check, one-time passwords from staff, and a stable id per session for the
 * Settings page's session list.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table portal_accounts
      add column mfa_method text check (mfa_method in ('totp', 'email')),
      add column mfa_enabled_at timestamptz,
      -- AES-256-GCM ciphertexts (src/mfa/secret-box.ts), never the plain secret.
      add column totp_secret_enc text,
      -- The last time step whose code was accepted: a code is good once (no replay within its window).
      add column totp_last_step bigint,
      add column pending_totp_secret_enc text,
      add column pending_totp_created_at timestamptz,
      -- Set while the password is a one-time password emailed by staff; it stops working after this.
      add column one_time_password_expires_at timestamptz,
      add constraint portal_accounts_totp_needs_secret check (mfa_method is distinct from 'totp' or totp_secret_enc is not null),
      add constraint portal_accounts_mfa_consistent check ((mfa_method is null) = (mfa_enabled_at is null));

    alter table portal_sessions add column id uuid not null default gen_random_uuid() constraint portal_sessions_id unique;

    create table mfa_recovery_codes (
      id bigint generated always as identity primary key,
      account_id uuid not null references portal_accounts(id) on delete cascade,
      code_hash text not null,
      created_at timestamptz not null,
      used_at timestamptz,
      constraint mfa_recovery_codes_unique unique (account_id, code_hash)
    );

    create table email_codes (
      id bigint generated always as identity primary key,
      account_id uuid not null references portal_accounts(id) on delete cascade,
      purpose text not null check (purpose in ('sign_in', 'enable_mfa', 'step_up')),
      code_hash text not null,
      created_at timestamptz not null,
      expires_at timestamptz not null,
      failed_attempts integer not null default 0 check (failed_attempts between 0 and 5),
      used_at timestamptz
    );
    create index email_codes_account on email_codes (account_id, purpose, created_at desc);

    -- The pending second step of a sign-in: it grants nothing but the verify page.
    create table sign_in_challenges (
      token_hash text primary key,
      account_id uuid not null references portal_accounts(id) on delete cascade,
      reason text not null check (reason in ('mfa', 'new_device')),
      return_path text,
      created_at timestamptz not null,
      expires_at timestamptz not null
    );
    create index sign_in_challenges_expiry on sign_in_challenges (expires_at);

    create table known_devices (
      account_id uuid not null references portal_accounts(id) on delete cascade,
      device_hash text not null,
      created_at timestamptz not null,
      last_used_at timestamptz not null,
      primary key (account_id, device_hash)
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table known_devices;
    drop table sign_in_challenges;
    drop table email_codes;
    drop table mfa_recovery_codes;
    alter table portal_sessions drop column id;
    alter table portal_accounts
      drop constraint portal_accounts_mfa_consistent,
      drop constraint portal_accounts_totp_needs_secret,
      drop column one_time_password_expires_at,
      drop column pending_totp_created_at,
      drop column pending_totp_secret_enc,
      drop column totp_last_step,
      drop column totp_secret_enc,
      drop column mfa_enabled_at,
      drop column mfa_method;
  `.execute(db);
}
