import type { Clock } from '../core/clock.js';
import type { Db } from '../db/database.js';

/** Portal-wide settings the admin panel changes; stored in the database so every process sees them. */
export interface PortalSettings {
  sessionDurationSeconds: number;
  /** A sign-in without MFA from a browser the account has not used before must confirm an emailed code. */
  verifyNewDevices: boolean;
  licenceApi: LicenceApiSettings;
  /**
   * Self-registration needs a proof that the AWS account is the registrant's: a portal link from a WebStream
   * instance's admin panel (src/account-proofs) or the AWS Marketplace link flow. Off: open, as DESIGN.md §2 describes.
   */
  registrationRequiresProof: boolean;
  /** A customer without MFA must set it up right after signing in, before any other portal page (src/sessions). */
  mfaRequiredForCustomers: boolean;
}

/** How the licence API treats WebStream instances (issue 11); the admin panel changes them. */
export interface LicenceApiSettings {
  /** A licence request from an account that never had a trial is granted one at once; otherwise it waits for staff. */
  trialsEnabled: boolean;
  trialDays: number;
  trialSeats: number;
  /** After a licence's end date it still validates (as grace_period) for this long. */
  graceSeconds: number;
  /** How often instances are asked to send a heartbeat. */
  heartbeatIntervalSeconds: number;
  /** An activation without a heartbeat for this long stops counting against the seats. */
  staleWindowSeconds: number;
  /** Deactivations per licence in any 24 hours, so that seat-cycling cannot defeat the seat count. */
  deactivationsPerDay: number;
}

/** Each licence-API setting's allowed range (whole numbers). */
export const LICENCE_API_LIMITS: Record<Exclude<keyof LicenceApiSettings, 'trialsEnabled'>, { min: number; max: number; label: string }> = {
  trialDays: { min: 1, max: 365, label: 'The trial length must be from 1 to 365 days.' },
  trialSeats: { min: 1, max: 100, label: 'A trial has from 1 to 100 seats.' },
  graceSeconds: { min: 0, max: 90 * 86_400, label: 'The grace period must be from 0 to 90 days.' },
  heartbeatIntervalSeconds: { min: 60, max: 86_400, label: 'The heartbeat interval must be from 1 minute to 24 hours.' },
  staleWindowSeconds: { min: 120, max: 30 * 86_400, label: 'The stale window must be from 2 minutes to 30 days.' },
  deactivationsPerDay: { min: 1, max: 1000, label: 'Deactivations per licence per day must be from 1 to 1000.' },
};

/** The problems with a change to the licence-API settings, each as a sentence (none: it may be saved). */
export function licenceApiProblems(settings: LicenceApiSettings): string[] {
  const problems: string[] = [];
  for (const [key, limit] of Object.entries(LICENCE_API_LIMITS) as [keyof typeof LICENCE_API_LIMITS, (typeof LICENCE_API_LIMITS)[keyof typeof LICENCE_API_LIMITS]][]) {
    const value = settings[key];
    if (!Number.isInteger(value) || value < limit.min || value > limit.max) problems.push(limit.label);
  }
  if (settings.staleWindowSeconds <= settings.heartbeatIntervalSeconds) problems.push('The stale window must be longer than the heartbeat interval.');
  return problems;
}

export const SESSION_DURATION_MIN_SECONDS = 15 * 60;
export const SESSION_DURATION_MAX_SECONDS = 90 * 24 * 60 * 60;
export const LICENCE_API_DEFAULTS: LicenceApiSettings = {
  trialsEnabled: true,
  trialDays: 30,
  trialSeats: 2,
  graceSeconds: 7 * 86_400,
  heartbeatIntervalSeconds: 600,
  staleWindowSeconds: 3 * 600,
  deactivationsPerDay: 5,
};
export const DEFAULTS: PortalSettings = { sessionDurationSeconds: 8 * 60 * 60, verifyNewDevices: false, licenceApi: LICENCE_API_DEFAULTS, registrationRequiresProof: false, mfaRequiredForCustomers: false };

export interface SettingsRepo {
  get(): Promise<PortalSettings>;
  setSessionDuration(seconds: number, now: Date, trx?: Db): Promise<void>;
  setVerifyNewDevices(on: boolean, now: Date, trx?: Db): Promise<void>;
  /** Refuses (RangeError naming each problem) a combination licenceApiProblems finds wrong. */
  setLicenceApi(change: Partial<LicenceApiSettings>, now: Date, trx?: Db): Promise<LicenceApiSettings>;
  setRegistrationRequiresProof(on: boolean, now: Date, trx?: Db): Promise<void>;
  setMfaRequiredForCustomers(on: boolean, now: Date, trx?: Db): Promise<void>;
  /** After a transaction of changes commits: this process reads them at once (not the values a reader cached meanwhile). */
  forgetCached(): void;
}

/**
 * Settings are read on every sign-in (and, for the MFA requirement, every signed-in page); a few seconds'
 * cache saves that query. A change made here applies at once in this process and within SETTINGS_CACHE_MS in every
 * other portal process on the database (test/processes/settings-two-portals.test.ts).
 */
export const SETTINGS_CACHE_MS = 5_000;

export function createSettingsRepo(db: Db, clock: Clock): SettingsRepo {
  let cached: { settings: PortalSettings; until: number } | undefined;
  async function put(key: string, value: unknown, now: Date, trx: Db = db): Promise<void> {
    const json = JSON.stringify(value);
    await trx
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
      const settings = { ...DEFAULTS, licenceApi: { ...LICENCE_API_DEFAULTS } };
      for (const row of rows) {
        if (row.key === 'session_duration_seconds' && typeof row.value === 'number') settings.sessionDurationSeconds = row.value;
        if (row.key === 'verify_new_devices' && typeof row.value === 'boolean') settings.verifyNewDevices = row.value;
        if (row.key === 'licence_api' && typeof row.value === 'object' && row.value !== null) settings.licenceApi = { ...LICENCE_API_DEFAULTS, ...(row.value as Partial<LicenceApiSettings>) };
        if (row.key === 'registration_requires_proof' && typeof row.value === 'boolean') settings.registrationRequiresProof = row.value;
        if (row.key === 'mfa_required_for_customers' && typeof row.value === 'boolean') settings.mfaRequiredForCustomers = row.value;
      }
      cached = { settings, until: now + SETTINGS_CACHE_MS };
      return settings;
    },
    async setSessionDuration(seconds, now, trx) {
      if (!Number.isInteger(seconds) || seconds < SESSION_DURATION_MIN_SECONDS || seconds > SESSION_DURATION_MAX_SECONDS) {
        throw new RangeError('The session duration must be between 15 minutes and 90 days.');
      }
      await put('session_duration_seconds', seconds, now, trx);
    },
    async setVerifyNewDevices(on, now, trx) {
      await put('verify_new_devices', on, now, trx);
    },
    async setLicenceApi(change, now, trx) {
      cached = undefined;
      const next = { ...(await this.get()).licenceApi, ...change };
      const problems = licenceApiProblems(next);
      if (problems.length > 0) throw new RangeError(problems.join(' '));
      await put('licence_api', next, now, trx);
      return next;
    },
    async setRegistrationRequiresProof(on, now, trx) {
      await put('registration_requires_proof', on, now, trx);
    },
    async setMfaRequiredForCustomers(on, now, trx) {
      await put('mfa_required_for_customers', on, now, trx);
    },
    forgetCached() {
      cached = undefined;
    },
  };
}
