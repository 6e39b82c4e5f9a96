import { sql, type Kysely } from 'kysely';

/**
 * Staff of the admin panel (src/admin), kept apart from customers: their accounts, the single-use links
 * that invite them (or let them enrol a new authenticator after an admin reset it), the pending second
 * sign-in step, and their sessions. Every token is stored only as its SHA-256 hash.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table staff_accounts (
      id uuid primary key default gen_random_uuid(),
      -- Stored lowercased (src/admin/staff-email.ts): one account per address whatever its case.
      email text not null constraint staff_accounts_email unique check (email = lower(email) and length(email) between 3 and 254),
      role text not null check (role in ('admin', 'support', 'read-only')),
      -- Null until the invitation is accepted: nobody can sign in with no password.
      password_hash text,
      password_changed_at timestamptz,
      -- AES-256-GCM ciphertext (src/core/secret-box.ts), bound to the staff id, never the plain secret.
      totp_secret_enc text,
      totp_enrolled_at timestamptz,
      -- The last time step whose code was accepted: a code is good once.
      totp_last_step bigint,
      disabled_at timestamptz,
      created_at timestamptz not null,
      created_by text not null,
      constraint staff_accounts_totp_consistent check ((totp_secret_enc is null) = (totp_enrolled_at is null)),
      constraint staff_accounts_password_consistent check ((password_hash is null) = (password_changed_at is null))
    );

    -- An invitation ('invite': choose a password and enrol TOTP) or a re-enrolment after an admin reset the
    -- staff member's TOTP ('totp_reset': the current password, then a new authenticator). Single use is the
    -- database's: spending is "update ... where used_at is null and expires_at > now", and at most one link
    -- per staff member is live (the partial unique index), so a new link replaces the old one.
    create table staff_invitations (
      id uuid primary key default gen_random_uuid(),
      token_hash text not null constraint staff_invitations_token unique check (token_hash ~ '^[0-9a-f]{64}$'),
      staff_id uuid not null references staff_accounts(id) on delete cascade,
      purpose text not null check (purpose in ('invite', 'totp_reset')),
      -- The authenticator key shown on the page while the link is open, sealed like totp_secret_enc.
      pending_totp_secret_enc text,
      created_at timestamptz not null,
      expires_at timestamptz not null check (expires_at > created_at and expires_at <= created_at + interval '24 hours'),
      used_at timestamptz,
      revoked_at timestamptz
    );
    create unique index staff_invitations_one_live on staff_invitations (staff_id) where used_at is null and revoked_at is null;

    -- Between a right password and the TOTP code: grants nothing but the code page.
    create table staff_sign_in_challenges (
      token_hash text primary key check (token_hash ~ '^[0-9a-f]{64}$'),
      staff_id uuid not null references staff_accounts(id) on delete cascade,
      created_at timestamptz not null,
      expires_at timestamptz not null check (expires_at > created_at)
    );
    create index staff_sign_in_challenges_expiry on staff_sign_in_challenges (expires_at);

    create table staff_sessions (
      id uuid primary key default gen_random_uuid(),
      token_hash text not null constraint staff_sessions_token unique check (token_hash ~ '^[0-9a-f]{64}$'),
      staff_id uuid not null references staff_accounts(id) on delete cascade,
      created_at timestamptz not null,
      -- 12 hours at most, whatever the code asks for.
      expires_at timestamptz not null check (expires_at > created_at and expires_at <= created_at + interval '12 hours'),
      -- For the 30-minute idle timeout.
      last_seen_at timestamptz not null,
      ended_at timestamptz,
      ip text not null,
      user_agent text not null
    );
    create index staff_sessions_staff on staff_sessions (staff_id) where ended_at is null;
    create index staff_sessions_expiry on staff_sessions (expires_at);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table staff_sessions, staff_sign_in_challenges, staff_invitations, staff_accounts`.execute(db);
}
