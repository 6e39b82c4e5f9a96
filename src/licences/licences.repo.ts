import type { Db } from '../db/database.js';
import { sql, type Updateable } from 'kysely';
import type { KeysetCursor } from '../core/keyset-cursor.js';
import type { LicenceRow, LicencesTable, NewLicenceRow } from '../db/schema.js';

/** What the admin panel's licence list narrows by; every part optional. */
export interface LicenceSearch {
  status?: string;
  source?: string;
  plan?: string;
  /** Active or suspended licences whose end date falls between `now` and this moment. */
  endingBefore?: Date;
}

/** Licences and their recorded transitions (licence_transitions); every write goes through licences.service's lifecycle. */
export function createLicencesRepo(db: Db) {
  return {
    listForAccount(awsAccountId: string, trx: Db = db): Promise<LicenceRow[]> {
      return trx.selectFrom('licences').selectAll().where('aws_account_id', '=', awsAccountId).orderBy('created_at', 'desc').orderBy('id').execute();
    },

    listAll(limit: number, trx: Db = db): Promise<LicenceRow[]> {
      return trx.selectFrom('licences').selectAll().orderBy('created_at', 'desc').orderBy('id').limit(limit).execute();
    },

    /**
     * The admin panel's list, newest first, a page at a time: keyset paging on (created_at, id) over the
     * licences_newest index (migration 0016), so a late page costs what the first does.
     */
    async search(filter: LicenceSearch, now: Date, cursor: KeysetCursor | undefined, limit: number, trx: Db = db): Promise<{ rows: LicenceRow[]; next: KeysetCursor | undefined }> {
      let q = trx.selectFrom('licences').selectAll();
      if (filter.status !== undefined) q = q.where('status', '=', filter.status);
      if (filter.source !== undefined) q = q.where('source', '=', filter.source);
      if (filter.plan !== undefined) q = q.where('plan', '=', filter.plan);
      if (filter.endingBefore !== undefined) q = q.where('status', 'in', ['active', 'suspended']).where('ends_at', '>', now).where('ends_at', '<=', filter.endingBefore);
      if (cursor !== undefined) q = q.where(sql<boolean>`(created_at, id) < (${cursor.at}, ${cursor.id}::uuid)`);
      const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
      const shown = rows.slice(0, limit);
      const last = shown.at(-1);
      return { rows: shown, next: rows.length > limit && last !== undefined ? { at: last.created_at, id: last.id } : undefined };
    },

    /** Every plan name in use, for the list's filter. */
    async plans(trx: Db = db): Promise<string[]> {
      const rows = await trx.selectFrom('licences').select('plan').distinct().orderBy('plan').execute();
      return rows.map((r) => r.plan);
    },

    /** How many requests wait for a decision. */
    async countRequested(trx: Db = db): Promise<number> {
      const row = await trx.selectFrom('licences').select((eb) => eb.fn.countAll<string>().as('n')).where('status', '=', 'requested').executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /** Any licence record that is not revoked entitles the AWS account to a portal account. */
    async hasNonRevokedLicence(awsAccountId: string, trx: Db = db): Promise<boolean> {
      const row = await trx.selectFrom('licences').select('id').where('aws_account_id', '=', awsAccountId).where('status', '!=', 'revoked').limit(1).executeTakeFirst();
      return row !== undefined;
    },

    /** The contact emails of the account's licences that are not revoked (each once, whatever its case). */
    async contactEmails(awsAccountId: string, trx: Db = db): Promise<string[]> {
      const rows = await trx
        .selectFrom('licences')
        .select((eb) => eb.fn.min('contact_email').as('email'))
        .where('aws_account_id', '=', awsAccountId)
        .where('status', '!=', 'revoked')
        .where('contact_email', 'is not', null)
        .groupBy((eb) => eb.fn('lower', ['contact_email']))
        .execute();
      return rows.flatMap((r) => (r.email === null ? [] : [r.email]));
    },

    find(id: string, trx: Db = db): Promise<LicenceRow | undefined> {
      return trx.selectFrom('licences').selectAll().where('id', '=', id).executeTakeFirst();
    },

    /** The licence, locked for the rest of the transaction (concurrent changes queue up). */
    findForUpdate(id: string, trx: Db = db): Promise<LicenceRow | undefined> {
      return trx.selectFrom('licences').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    },

    /** Serialises, until the transaction ends, changes that decide from all of an account's licences (e.g. a licence request). */
    async lockAccountLicences(awsAccountId: string, trx: Db): Promise<void> {
      await sql`select pg_advisory_xact_lock(hashtext(${`licences:${awsAccountId}`}))`.execute(trx);
    },

    insert(values: NewLicenceRow, trx: Db = db): Promise<LicenceRow> {
      return trx.insertInto('licences').values(values).returningAll().executeTakeFirstOrThrow();
    },

    update(id: string, change: Updateable<LicencesTable>, trx: Db = db): Promise<LicenceRow> {
      return trx.updateTable('licences').set(change).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    },

    /**
     * Active or suspended licences whose end date has passed, locked. SKIP LOCKED: several portal processes
     * can sweep at once, and a licence being changed is left for the next round.
     */
    lockDueForExpiry(now: Date, limit: number, trx: Db = db): Promise<{ id: string }[]> {
      return trx.selectFrom('licences').select('id').where('status', 'in', ['active', 'suspended']).where('ends_at', '<=', now).orderBy('ends_at').limit(limit).forUpdate().skipLocked().execute();
    },

    async recordTransition(values: { licenceId: string; action: string; from: string | null; to: string; actor: string; reason: string; at: Date }, trx: Db = db): Promise<void> {
      await trx
        .insertInto('licence_transitions')
        .values({ licence_id: values.licenceId, action: values.action, from_status: values.from, to_status: values.to, actor: values.actor, reason: values.reason, at: values.at })
        .execute();
    },

    transitionsFor(licenceId: string, trx: Db = db) {
      return trx.selectFrom('licence_transitions').selectAll().where('licence_id', '=', licenceId).orderBy('id').execute();
    },
  };
}

export type LicencesRepo = ReturnType<typeof createLicencesRepo>;
