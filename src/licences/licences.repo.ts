import type { Db } from '../db/database.js';
import type { LicenceRow } from '../db/schema.js';

export function createLicencesRepo(db: Db) {
  return {
    listForAccount(awsAccountId: string): Promise<LicenceRow[]> {
      return db.selectFrom('licences').selectAll().where('aws_account_id', '=', awsAccountId).orderBy('created_at', 'desc').orderBy('id').execute();
    },

    listAll(limit: number): Promise<LicenceRow[]> {
      return db.selectFrom('licences').selectAll().orderBy('created_at', 'desc').orderBy('id').limit(limit).execute();
    },

    /** Any licence record that is not revoked entitles the AWS account to a portal account. */
    async hasNonRevokedLicence(awsAccountId: string): Promise<boolean> {
      const row = await db.selectFrom('licences').select('id').where('aws_account_id', '=', awsAccountId).where('status', '!=', 'revoked').limit(1).executeTakeFirst();
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

    find(trx: Db, id: string): Promise<LicenceRow | undefined> {
      return trx.selectFrom('licences').selectAll().where('id', '=', id).executeTakeFirst();
    },

    findForUpdate(trx: Db, id: string): Promise<LicenceRow | undefined> {
      return trx.selectFrom('licences').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    },
  };
}

export type LicencesRepo = ReturnType<typeof createLicencesRepo>;
