import { timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/database.js';
import type { EmailCodePurpose } from '../db/schema.js';

export const EMAIL_CODE_VALID_MINUTES = 10;
export const EMAIL_CODE_MAX_FAILURES = 5;
export const EMAIL_CODE_RESEND_SECONDS = 60;

export type EmailCodeCheck = { ok: true } | { ok: false; reason: 'wrong' | 'expired' | 'spent' };

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Emailed 6-digit codes: one live code per account and purpose, a few tries each, resent at most once a minute. */
export function createEmailCodesRepo(db: Db) {
  return {
    /** Seconds until another code may be sent (0: now). */
    async resendWaitSeconds(accountId: string, purpose: EmailCodePurpose, now: Date, trx: Db = db): Promise<number> {
      const last = await trx
        .selectFrom('email_codes')
        .select('created_at')
        .where('account_id', '=', accountId)
        .where('purpose', '=', purpose)
        .orderBy('created_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (last === undefined) return 0;
      const elapsed = (now.getTime() - last.created_at.getTime()) / 1000;
      return Math.max(0, Math.ceil(EMAIL_CODE_RESEND_SECONDS - elapsed));
    },

    /** Codes older than a day are neither usable nor needed for the resend limit. */
    async deleteOlderThan(cutoff: Date, trx: Db = db): Promise<void> {
      await trx.deleteFrom('email_codes').where('created_at', '<', cutoff).execute();
    },

    /** Replaces any live code for the purpose with a new one (the caller queues the email in `trx`); returns when it expires. */
    async replace(accountId: string, purpose: EmailCodePurpose, codeHash: string, now: Date, trx: Db = db): Promise<Date> {
      const expiresAt = new Date(now.getTime() + EMAIL_CODE_VALID_MINUTES * 60_000);
      await trx.updateTable('email_codes').set({ used_at: now }).where('account_id', '=', accountId).where('purpose', '=', purpose).where('used_at', 'is', null).execute();
      await trx.insertInto('email_codes').values({ account_id: accountId, purpose, code_hash: codeHash, created_at: now, expires_at: expiresAt, used_at: null }).execute();
      return expiresAt;
    },

    /**
     * Checks a code against the live one, under a row lock so two guesses cannot both use the last try.
     * A match spends the code; a miss counts, and the fifth miss spends it. Its own short transaction: the
     * lock must not outlive the check.
     */
    check(accountId: string, purpose: EmailCodePurpose, codeHash: string, now: Date): Promise<EmailCodeCheck> {
      return db.transaction().execute(async (trx) => {
        const live = await trx
          .selectFrom('email_codes')
          .select(['id', 'code_hash', 'expires_at', 'failed_attempts'])
          .where('account_id', '=', accountId)
          .where('purpose', '=', purpose)
          .where('used_at', 'is', null)
          .orderBy('created_at', 'desc')
          .limit(1)
          .forUpdate()
          .executeTakeFirst();
        if (live === undefined) return { ok: false, reason: 'spent' };
        if (live.expires_at <= now) return { ok: false, reason: 'expired' };
        if (sameHash(live.code_hash, codeHash)) {
          await trx.updateTable('email_codes').set({ used_at: now }).where('id', '=', live.id).execute();
          return { ok: true };
        }
        const failures = live.failed_attempts + 1;
        await trx
          .updateTable('email_codes')
          .set({ failed_attempts: failures, used_at: failures >= EMAIL_CODE_MAX_FAILURES ? now : null })
          .where('id', '=', live.id)
          .execute();
        return { ok: false, reason: failures >= EMAIL_CODE_MAX_FAILURES ? 'spent' : 'wrong' };
      });
    },
  };
}

export type EmailCodesRepo = ReturnType<typeof createEmailCodesRepo>;
