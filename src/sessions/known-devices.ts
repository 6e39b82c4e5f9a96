import { createHmac, timingSafeEqual } from 'node:crypto';
import { deriveKey } from '../core/keys.js';
import { generateToken, hashToken } from '../core/tokens.js';
import type { KnownDevicesRepo } from './known-devices.repo.js';

/** Browsers cap cookie lifetimes at 400 days. */
export const DEVICE_COOKIE_MAX_AGE_SECONDS = 400 * 24 * 60 * 60;

/**
 * Browsers an account has signed in from, for the new-device check. The browser keeps a long-lived cookie
 * "<random id>.<HMAC>": the signature rejects forged or garbled cookies without a query, and the table
 * (hashed ids per account) says whether this browser was used by this account before.
 */
export function createKnownDevices(deps: { devices: KnownDevicesRepo; secretKey: string }) {
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
      return deps.devices.isKnown(accountId, hashToken(deviceId));
    },

    async remember(accountId: string, deviceId: string, now: Date): Promise<void> {
      await deps.devices.remember(accountId, hashToken(deviceId), now);
    },
  };
}

export type KnownDevices = ReturnType<typeof createKnownDevices>;
