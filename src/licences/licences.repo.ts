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

    find(trx: Db, id: string): Promise<LicenceRow | undefined> {
      return trx.selectFrom('licences').selectAll().where('id', '=', id).executeTakeFirst();
    },

    findForUpdate(trx: Db, id: string): Promise<LicenceRow | undefined> {
      return trx.selectFrom('licences').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    },
  };
}

export type LicencesRepo = ReturnType<typeof createLicencesRepo>;
