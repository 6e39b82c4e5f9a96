import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/database.js';
import { deriveKey } from '../core/keys.js';
import { generateToken, hashToken } from '../core/tokens.js';

/** Browsers cap cookie lifetimes at 400 days. */
export const DEVICE_COOKIE_MAX_AGE_SECONDS = 400 * 24 * 60 * 60;

/**
 * Browsers an account has signed in from, for the new-device check. The browser keeps a long-lived cookie
 * "<random id>.<HMAC>": the signature rejects forged or garbled cookies without a query, and the table
 * (hashed ids per account) says whether this browser was used by this account before.
 */
export function createKnownDevices(deps: { db: Db; secretKey: string }) {
  const key = deriveKey(deps.secretKey, 'device-cookie');
  const sign = (id: string) => createHmac('sha256', key).update(id).digest('base64url');

  return {
    /** The device id in a cookie value, if the signature holds. */
    read(cookie: string | undefined): string | undefined {
      if (cookie === undefined || cookie.length > 200) return undefined;
      const [id, signature] = cookie.split('.');
      if (id === undefined || signature === undefined || !/^[\w-]{43}$/.test(id)) return undefined;
      const expected = Buffer.from(sign(id));
      const given = Buffer.from(signature);
      return expected.length === given.length && timingSafeEqual(expected, given) ? id : undefined;
    },

    newCookie(): { id: string; value: string } {
      const id = generateToken();
      return { id, value: `${id}.${sign(id)}` };
    },

    async isKnown(accountId: string, deviceId: string | undefined): Promise<boolean> {
      if (deviceId === undefined) return false;
      const row = await deps.db.selectFrom('known_devices').select('account_id').where('account_id', '=', accountId).where('device_hash', '=', hashToken(deviceId)).executeTakeFirst();
      return row !== undefined;
    },

    async remember(accountId: string, deviceId: string, now: Date): Promise<void> {
      await deps.db
        .insertInto('known_devices')
        .values({ account_id: accountId, device_hash: hashToken(deviceId), created_at: now, last_used_at: now })
        .onConflict((oc) => oc.columns(['account_id', 'device_hash']).doUpdateSet({ last_used_at: now }))
        .execute();
    },
  };
}

export type KnownDevices = ReturnType<typeof createKnownDevices>;
