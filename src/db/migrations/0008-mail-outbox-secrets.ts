import { sql, type Kysely } from 'kysely';

/**
 * Email bodies carry live secrets (reset and verification links, codes, one-time passwords), so the outbox
 * keeps them sealed (AES-256-GCM, key from SECRET_KEY) and only until they are delivered or their secret
 * expires. The migration cannot seal (it has no key), so for rows already queued:
 * - bodies of sent rows, and of rows older than 7 days (the longest lifetime of any secret the portal
 *   emails: one-time passwords and welcome verification links), are erased here;
 * - the rest (kept, pending or failed within 7 days) move to `legacy_text_body`, which the mailer seals and
 *   clears before it reads, sends or purges anything (mailer.sealLegacyBodies, also run at server start).
 * New rows never use `legacy_text_body`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table mail_outbox rename column text_body to legacy_text_body;
    alter table mail_outbox alter column legacy_text_body drop not null;
    update mail_outbox set legacy_text_body = null where status = 'sent' or created_at < now() - interval '7 days';
    alter table mail_outbox
      add column template text not null default 'unknown' check (template ~ '^[a-z][a-z0-9_]{0,63}$'),
      add column body_sealed text,
      add column secret_expires_at timestamptz,
      add constraint mail_outbox_one_body check (body_sealed is null or legacy_text_body is null);
    alter table mail_outbox alter column template drop default;
    create index mail_outbox_secret_expiry on mail_outbox (secret_expires_at) where body_sealed is not null;
    create index mail_outbox_created on mail_outbox (created_at);
  `.execute(db);
}

/** Bodies that were erased or sealed cannot come back: rows without a plain body get an empty one. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop index mail_outbox_secret_expiry, mail_outbox_created;
    alter table mail_outbox drop constraint mail_outbox_one_body, drop column template, drop column body_sealed, drop column secret_expires_at;
    update mail_outbox set legacy_text_body = '' where legacy_text_body is null;
    alter table mail_outbox alter column legacy_text_body set not null;
    alter table mail_outbox rename column legacy_text_body to text_body;
  `.execute(db);
}
