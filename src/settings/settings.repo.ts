import type { Clock } from '../core/clock.js';
import type { Db } from '../db/database.js';

/** Portal-wide settings the admin panel changes; stored in the database so every process sees them. */
export interface PortalSettings {
  sessionDurationSeconds: number;
  /** A sign-in without MFA from a browser the account has not used before must confirm an emailed code. */
  verifyNewDevices: boolean;
  /**
   * Self-registration needs a proof that the AWS account is the registrant's: a portal link from a WebStream
   * instance's admin panel (src/account-proofs) or the AWS Marketplace link flow. Off: open, as DESIGN.md §2 describes.
   */
  registrationRequiresProof: boolean;
}

export const SESSION_DURATION_MIN_SECONDS = 15 * 60;
export const SESSION_DURATION_MAX_SECONDS = 90 * 24 * 60 * 60;
export const DEFAULTS: PortalSettings = { sessionDurationSeconds: 8 * 60 * 60, verifyNewDevices: false, registrationRequiresProof: false };

export interface SettingsRepo {
  get(): Promise<PortalSettings>;
  setSessionDuration(seconds: number, now: Date): Promise<void>;
  setVerifyNewDevices(on: boolean, now: Date): Promise<void>;
  setRegistrationRequiresProof(on: boolean, now: Date): Promise<void>;
}

/**
 * Settings are read on every sign-in; a few seconds' cache saves that query. A change made here applies at
 * once in this process and within CACHE_MS in the others.
 */
const CACHE_MS = 5_000;

export function createSettingsRepo(db: Db, clock: Clock): SettingsRepo {
  let cached: { settings: PortalSettings; until: number } | undefined;
  async function put(key: string, value: unknown, now: Date): Promise<void> {
    const json = JSON.stringify(value);
    await db
      .insertInto('portal_settings')
      .values({ key, value: json, updated_at: now })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: json, updated_at: now }))
      .execute();
    cached = undefined;
  }
  return {
    async get() {
      const now = clock.now().getTime();
      if (cached !== undefined && cached.until > now) return cached.settings;
      const rows = await db.selectFrom('portal_settings').select(['key', 'value']).execute();
      const settings = { ...DEFAULTS };
      for (const row of rows) {
        if (row.key === 'session_duration_seconds' && typeof row.value === 'number') settings.sessionDurationSeconds = row.value;
        if (row.key === 'verify_new_devices' && typeof row.value === 'boolean') settings.verifyNewDevices = row.value;
        if (row.key === 'registration_requires_proof' && typeof row.value === 'boolean') settings.registrationRequiresProof = row.value;
      }
      cached = { settings, until: now + CACHE_MS };
      return settings;
    },
    async setSessionDuration(seconds, now) {
      if (!Number.isInteger(seconds) || seconds < SESSION_DURATION_MIN_SECONDS || seconds > SESSION_DURATION_MAX_SECONDS) {
        throw new RangeError('The session duration must be between 15 minutes and 90 days.');
      }
      await put('session_duration_seconds', seconds, now);
    },
    async setVerifyNewDevices(on, now) {
      await put('verify_new_devices', on, now);
    },
    async setRegistrationRequiresProof(on, now) {
      await put('registration_requires_proof', on, now);
    },
  };
}
