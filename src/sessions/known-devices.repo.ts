import type { Db } from '../db/database.js';

/** Browsers each account has signed in from (known_devices), by the hash of the browser's device id. */
export function createKnownDevicesRepo(db: Db) {
  return {
    async isKnown(accountId: string, deviceHash: string, trx: Db = db): Promise<boolean> {
      const row = await trx.selectFrom('known_devices').select('account_id').where('account_id', '=', accountId).where('device_hash', '=', deviceHash).executeTakeFirst();
      return row !== undefined;
    },

    /** Remembers the browser, or notes that it was used again. */
    async remember(accountId: string, deviceHash: string, now: Date, trx: Db = db): Promise<void> {
      await trx
        .insertInto('known_devices')
        .values({ account_id: accountId, device_hash: deviceHash, created_at: now, last_used_at: now })
        .onConflict((oc) => oc.columns(['account_id', 'device_hash']).doUpdateSet({ last_used_at: now }))
        .execute();
    },
  };
}

export type KnownDevicesRepo = ReturnType<typeof createKnownDevicesRepo>;
