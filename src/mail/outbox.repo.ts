import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { MailStatus } from '../db/schema.js';

/** What the record keeps of a message; the body only while it is sealed in the row. */
const ENVELOPE = ['to_address', 'subject', 'template', 'status', 'attempts', 'created_at', 'sent_at', 'secret_expires_at', 'last_error'] as const;

// int8 ids arrive as numbers (src/db/database.ts) whatever the table type says; callers get the id as text.
// Orders and comparisons name the column (mail_outbox.id), not this text alias, which would sort "9" after "10".
const idText = sql<string>`id::text`.as('id');

export function createOutboxRepo(db: Db) {
  return {
    async insert(row: { to: string; subject: string; template: string; bodySealed: string; secretExpiresAt: Date | null; status: MailStatus; now: Date }, trx: Db = db): Promise<void> {
      await trx
        .insertInto('mail_outbox')
        .values({
          to_address: row.to,
          subject: row.subject,
          template: row.template,
          body_sealed: row.bodySealed,
          secret_expires_at: row.secretExpiresAt,
          created_at: row.now,
          next_attempt_at: row.now,
          status: row.status,
        })
        .execute();
    },

    /**
     * The next message due, locked for this transaction (SKIP LOCKED: several portal processes share the
     * outbox and each message goes out once). A message whose secret has expired is not sent; the purge ends it.
     */
    claimDue(now: Date, trx: Db = db) {
      return trx
        .selectFrom('mail_outbox')
        .select(['id', 'to_address', 'subject', 'template', 'body_sealed', 'attempts'])
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .where('body_sealed', 'is not', null)
        .where((eb) => eb.or([eb('secret_expires_at', 'is', null), eb('secret_expires_at', '>', now)]))
        .orderBy('id')
        .limit(1)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
    },

    /** Delivered: the body goes, the envelope stays for the record. */
    async markSent(id: string, attempts: number, now: Date, trx: Db = db): Promise<void> {
      await trx.updateTable('mail_outbox').set({ status: 'sent', sent_at: now, attempts, body_sealed: null }).where('id', '=', id).execute();
    },

    async markAttemptFailed(id: string, attempt: { attempts: number; failedForGood: boolean; error: string; retryAt: Date }, trx: Db = db): Promise<void> {
      await trx
        .updateTable('mail_outbox')
        .set({ status: attempt.failedForGood ? 'failed' : 'pending', attempts: attempt.attempts, last_error: attempt.error, next_attempt_at: attempt.retryAt })
        .where('id', '=', id)
        .execute();
    },

    list(limit: number, trx: Db = db) {
      return trx.selectFrom('mail_outbox').select(idText).select(ENVELOPE).select(sql<boolean>`body_sealed is not null`.as('has_body')).orderBy('mail_outbox.id', 'desc').limit(limit).execute();
    },

    /** Newest first, `limit` rows after the row `beforeId` (keyset on the id, which only grows: page 500 costs what page 1 does). */
    page(beforeId: string | undefined, limit: number, trx: Db = db) {
      let query = trx.selectFrom('mail_outbox').select(idText).select(ENVELOPE).select(sql<boolean>`body_sealed is not null`.as('has_body'));
      if (beforeId !== undefined) query = query.where('mail_outbox.id', '<', beforeId);
      return query.orderBy('mail_outbox.id', 'desc').limit(limit).execute();
    },

    find(id: string, trx: Db = db) {
      return trx.selectFrom('mail_outbox').select(idText).select(ENVELOPE).select('body_sealed').where('id', '=', id).executeTakeFirst();
    },

    legacyPlainBodies(trx: Db = db) {
      return trx
        .selectFrom('mail_outbox')
        .select(['id', 'to_address', 'template', 'created_at', 'legacy_text_body'])
        .where('legacy_text_body', 'is not', null)
        .orderBy('id')
        .execute();
    },

    /** Replaces a pre-0008 plain body by its sealed form (once, if two processes race). */
    async sealLegacyBody(id: string, bodySealed: string, secretExpiresAt: Date, trx: Db = db): Promise<void> {
      await trx
        .updateTable('mail_outbox')
        .set({ body_sealed: bodySealed, secret_expires_at: secretExpiresAt, legacy_text_body: null })
        .where('id', '=', id)
        .where('legacy_text_body', 'is not', null)
        .execute();
    },

    /** Erases every body whose secret has expired, whatever its status; an undelivered one fails for good. */
    async eraseExpiredBodies(now: Date, trx: Db = db): Promise<number> {
      const undelivered = await trx
        .updateTable('mail_outbox')
        .set({ body_sealed: null, status: 'failed', last_error: 'Its secret expired before it could be delivered.' })
        .where('status', '=', 'pending')
        .where('secret_expires_at', '<=', now)
        .executeTakeFirst();
      const others = await trx.updateTable('mail_outbox').set({ body_sealed: null }).where('body_sealed', 'is not', null).where('secret_expires_at', '<=', now).executeTakeFirst();
      return Number(undelivered.numUpdatedRows + others.numUpdatedRows);
    },

    async deleteCreatedBefore(cutoff: Date, trx: Db = db): Promise<number> {
      const result = await trx.deleteFrom('mail_outbox').where('created_at', '<', cutoff).where('status', '!=', 'pending').executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type OutboxRepo = ReturnType<typeof createOutboxRepo>;
