import { sql } from 'kysely';
import type { Db } from '../db/database.js';

/** One search result: an AWS account known by its portal account, its licences, or both. */
export interface CustomerSummary {
  awsAccountId: string;
  /** The portal account's contact email; null when there is no portal account yet. */
  email: string | null;
  emailVerified: boolean;
  disabled: boolean;
  hasPortalAccount: boolean;
  /** A licence contact email, for an account known only by its licences. */
  licenceContact: string | null;
  licences: number;
}

/** What a staff member typed, understood: digits (dashes and spaces allowed) are an account ID or its start; anything else part of an email. */
export type CustomerQuery = { kind: 'account'; digits: string } | { kind: 'email'; part: string };

/** `%`, `_` and `\` typed in a search match themselves, not any text. */
const likeEscaped = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The admin panel's customer search (accounts feature): portal accounts, and AWS accounts that hold a licence
 * but no portal account yet (staff create one for them). Ordered by account ID; paged after the last ID shown.
 */
export function createCustomerSearchRepo(db: Db) {
  /** The AWS account IDs that match, from both tables (a UNION, so each index is used on its own). */
  function matching(query: CustomerQuery) {
    if (query.kind === 'account') {
      const prefix = `${query.digits}%`;
      return db
        .selectFrom('portal_accounts')
        .select('aws_account_id')
        .where('aws_account_id', 'like', prefix)
        .union(db.selectFrom('licences').select('aws_account_id').where('aws_account_id', 'like', prefix));
    }
    const pattern = `%${likeEscaped(query.part)}%`;
    return db
      .selectFrom('portal_accounts')
      .select('aws_account_id')
      .where(sql<boolean>`email ilike ${pattern}`)
      .union(db.selectFrom('licences').select('aws_account_id').where(sql<boolean>`contact_email ilike ${pattern}`));
  }

  return {
    async search(query: CustomerQuery, after: string | undefined, limit: number): Promise<{ rows: CustomerSummary[]; next: string | undefined; total: number }> {
      const [rows, count] = await Promise.all([
        db
          .with('m', () => matching(query))
          .selectFrom('m')
          .leftJoin('portal_accounts as a', 'a.aws_account_id', 'm.aws_account_id')
          .select((eb) => [
            'm.aws_account_id',
            'a.email',
            'a.email_verified_at',
            'a.disabled_at',
            'a.id',
            eb.selectFrom('licences as l').select((e) => e.fn.countAll<string>().as('n')).whereRef('l.aws_account_id', '=', 'm.aws_account_id').as('licences'),
            eb.selectFrom('licences as l').select('l.contact_email').whereRef('l.aws_account_id', '=', 'm.aws_account_id').where('l.contact_email', 'is not', null).orderBy('l.created_at', 'desc').limit(1).as('licence_contact'),
          ])
          .$if(after !== undefined, (q) => q.where('m.aws_account_id', '>', after ?? ''))
          .orderBy('m.aws_account_id')
          .limit(limit + 1)
          .execute(),
        db
          .with('m', () => matching(query))
          .selectFrom('m')
          .select((e) => e.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow(),
      ]);
      const more = rows.length > limit;
      const shown = more ? rows.slice(0, limit) : rows;
      return {
        rows: shown.map((r) => ({
          awsAccountId: r.aws_account_id,
          email: r.email,
          emailVerified: r.email_verified_at !== null,
          disabled: r.disabled_at !== null,
          hasPortalAccount: r.id !== null,
          licenceContact: r.licence_contact ?? null,
          licences: Number(r.licences ?? 0),
        })),
        next: more ? shown.at(-1)?.aws_account_id : undefined,
        total: Number(count.n),
      };
    },

  };
}

export type CustomerSearchRepo = ReturnType<typeof createCustomerSearchRepo>;
