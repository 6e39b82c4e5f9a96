import { sql } from 'kysely';
import type { Db } from '../db/database.js';

export interface NewProofLink {
  tokenHash: string;
  awsAccountId: string;
  instanceId: string;
  region: string;
  now: Date;
  expiresAt: Date;
}

export interface StoredProofLink {
  awsAccountId: string;
  instanceId: string;
  region: string;
  expiresAt: Date;
  usedAt: Date | null;
  /** Whether a portal account exists for the link's AWS account (the page offers sign-in instead of registration). */
  portalAccountExists: boolean;
}

/** Queries for account_proof_links (migration 0011): written by the API, read and spent by the link page. */
export function createProofLinksRepo(db: Db) {
  return {
    async insert(link: NewProofLink, trx: Db = db): Promise<void> {
      await trx
        .insertInto('account_proof_links')
        .values({ token_hash: link.tokenHash, aws_account_id: link.awsAccountId, instance_id: link.instanceId, region: link.region, created_at: link.now, expires_at: link.expiresAt, used_at: null, used_by_account_id: null })
        .execute();
    },

    async portalAccountExists(awsAccountId: string, trx: Db = db): Promise<boolean> {
      return (await trx.selectFrom('portal_accounts').select('id').where('aws_account_id', '=', awsAccountId).executeTakeFirst()) !== undefined;
    },

    /** The link with whether a portal account has its AWS account ID: one query. */
    async find(tokenHash: string, trx: Db = db): Promise<StoredProofLink | undefined> {
      const row = await trx
        .selectFrom('account_proof_links as l')
        .select((eb) => [
          'l.aws_account_id',
          'l.instance_id',
          'l.region',
          'l.expires_at',
          'l.used_at',
          eb.exists(eb.selectFrom('portal_accounts').select(sql<number>`1`.as('one')).whereRef('portal_accounts.aws_account_id', '=', 'l.aws_account_id')).$castTo<boolean>().as('portal_account_exists'),
        ])
        .where('l.token_hash', '=', tokenHash)
        .executeTakeFirst();
      if (row === undefined) return undefined;
      return { awsAccountId: row.aws_account_id, instanceId: row.instance_id, region: row.region, expiresAt: row.expires_at, usedAt: row.used_at, portalAccountExists: row.portal_account_exists };
    },

    /**
     * Spends the link exactly once, while it is open: of two requests racing, one gets true. It records the
     * portal account of the link's AWS account (in a registration's transaction, the one just created).
     */
    async spend(tokenHash: string, now: Date, trx: Db = db): Promise<boolean> {
      const spent = await trx
        .updateTable('account_proof_links')
        .set((eb) => ({ used_at: now, used_by_account_id: eb.selectFrom('portal_accounts').select('portal_accounts.id').whereRef('portal_accounts.aws_account_id', '=', 'account_proof_links.aws_account_id') }))
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .returning('token_hash')
        .executeTakeFirst();
      return spent !== undefined;
    },

    /** Links a day past their expiry: refused on use anyway, removed to keep the table small. */
    async deleteExpired(now: Date, trx: Db = db): Promise<number> {
      const result = await trx.deleteFrom('account_proof_links').where('expires_at', '<', new Date(now.getTime() - 86_400_000)).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type ProofLinksRepo = ReturnType<typeof createProofLinksRepo>;
