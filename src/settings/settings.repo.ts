import type { Clock } from '../config/clock.js';
import type { Db } from '../db/database.js';

/** Portal-wide settings the admin panel changes; stored in the database so every process sees them. */
export interface PortalSettings {
  sessionDurationSeconds: number;
}

export const SESSION_DURATION_MIN_SECONDS = 15 * 60;
export const SESSION_DURATION_MAX_SECONDS = 90 * 24 * 60 * 60;
export const DEFAULTS: PortalSettings = { sessionDurationSeconds: 8 * 60 * 60 };

export interface SettingsRepo {
  get(): Promise<PortalSettings>;
  setSessionDuration(seconds: number, now: Date): Promise<void>;
}

/**
 * Settings are read on every sign-in; a few seconds' cache saves that query. A change made here applies at
 * once in this process and within CACHE_MS in the others.
 */
const CACHE_MS = 5_000;

export function createSettingsRepo(db: Db, clock: Clock): SettingsRepo {
  let cached: { settings: PortalSettings; until: number } | undefined;
  return {
    async get() {
      const now = clock.now().getTime();
      if (cached !== undefined && cached.until > now) return cached.settings;
      const rows = await db.selectFrom('portal_settings').select(['key', 'value']).execute();
      const settings = { ...DEFAULTS };
      for (const row of rows) {
        if (row.key === 'session_duration_seconds' && typeof row.value === 'number') settings.sessionDurationSeconds = row.value;
      }
      cached = { settings, until: now + CACHE_MS };
      return settings;
    },
    async setSessionDuration(seconds, now) {
      if (!Number.isInteger(seconds) || seconds < SESSION_DURATION_MIN_SECONDS || seconds > SESSION_DURATION_MAX_SECONDS) {
        throw new RangeError('The session duration must be between 15 minutes and 90 days.');
      }
      await db
        .insertInto('portal_settings')
        .values({ key: 'session_duration_seconds', value: JSON.stringify(seconds), updated_at: now })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(seconds), updated_at: now }))
        .execute();
      cached = undefined;
    },
  };
}
