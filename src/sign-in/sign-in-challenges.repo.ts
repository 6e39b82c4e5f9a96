import type { Db } from '../db/database.js';
import type { ChallengeReason, MfaMethod } from '../db/schema.js';
import { generateToken, hashToken } from '../core/tokens.js';

/** How long the second step may take: the pending state then lapses and the user signs in again. */
export const CHALLENGE_MINUTES = 5;

export interface PendingSignIn {
  accountId: string;
  awsAccountId: string;
  email: string;
  reason: ChallengeReason;
  mfaMethod: MfaMethod | null;
  returnPath: string | null;
  expiresAt: Date;
}

/**
 * What the second step asks for: an emailed code (MFA by email, or a new browser), or the app's code;
 * only an MFA step also takes the app's codes and recovery codes.
 */
export function secondStepOf(pending: Pick<PendingSignIn, 'reason' | 'mfaMethod'>): { emailsCode: boolean; isMfa: boolean } {
  return { emailsCode: pending.reason === 'new_device' || pending.mfaMethod === 'email', isMfa: pending.reason === 'mfa' };
}

/** The state between a right password and the second step: a hashed bearer token, short-lived, single-use. */
export function createSignInChallengesRepo(db: Db) {
  return {
    async create(values: { accountId: string; reason: ChallengeReason; returnPath: string | null; now: Date }, trx: Db = db): Promise<{ token: string; expiresAt: Date }> {
      const token = generateToken();
      const expiresAt = new Date(values.now.getTime() + CHALLENGE_MINUTES * 60_000);
      await trx
        .insertInto('sign_in_challenges')
        .values({ token_hash: hashToken(token), account_id: values.accountId, reason: values.reason, return_path: values.returnPath, created_at: values.now, expires_at: expiresAt })
        .execute();
      return { token, expiresAt };
    },

    async find(token: string, now: Date, trx: Db = db): Promise<PendingSignIn | undefined> {
      const row = await trx
        .selectFrom('sign_in_challenges as c')
        .innerJoin('portal_accounts as a', 'a.id', 'c.account_id')
        .select(['c.account_id', 'c.reason', 'c.return_path', 'c.created_at', 'c.expires_at', 'a.aws_account_id', 'a.email', 'a.mfa_method', 'a.disabled_at', 'a.password_changed_at', 'a.mfa_enabled_at'])
        .where('c.token_hash', '=', hashToken(token))
        .where('c.expires_at', '>', now)
        .executeTakeFirst();
      if (row === undefined || row.disabled_at !== null) return undefined;
      // A password step made before the password changed, or before MFA was turned on, no longer counts.
      if (row.created_at < row.password_changed_at || (row.mfa_enabled_at !== null && row.created_at < row.mfa_enabled_at)) return undefined;
      return { accountId: row.account_id, awsAccountId: row.aws_account_id, email: row.email, reason: row.reason, mfaMethod: row.mfa_method, returnPath: row.return_path, expiresAt: row.expires_at };
    },

    /** Spends the challenge; false if it was already spent (two tabs, a replayed post). */
    async consume(token: string, trx: Db = db): Promise<boolean> {
      const result = await trx.deleteFrom('sign_in_challenges').where('token_hash', '=', hashToken(token)).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async deleteExpired(now: Date, trx: Db = db): Promise<void> {
      await trx.deleteFrom('sign_in_challenges').where('expires_at', '<=', now).execute();
    },
  };
}

export type SignInChallengesRepo = ReturnType<typeof createSignInChallengesRepo>;
