import type { AuditLog } from '../audit/audit.repo.js';
import type { Clock } from '../core/clock.js';
import type { Db } from '../db/database.js';
import { AppError } from '../core/errors.js';
import { LICENCE_API_LIMITS, SESSION_DURATION_MAX_SECONDS, SESSION_DURATION_MIN_SECONDS, type LicenceApiSettings, type PortalSettings, type SettingsRepo } from '../settings/settings.repo.js';

/** The units the settings form shows numbers in (what the settings store is seconds, days or counts). */
export const DURATION_UNITS = { minutes: 60, hours: 3_600, days: 86_400 } as const;
export type DurationUnit = keyof typeof DURATION_UNITS;

/** The numeric licence-API settings as the form shows them: the field, its unit in seconds (1 for counts and days), its label. */
export const LICENCE_API_FIELDS: readonly { key: Exclude<keyof LicenceApiSettings, 'trialsEnabled'>; field: string; scale: number; label: string; unit: string }[] = [
  { key: 'trialDays', field: 'trialDays', scale: 1, label: 'Trial length', unit: 'days' },
  { key: 'trialSeats', field: 'trialSeats', scale: 1, label: 'Trial seats', unit: 'seats' },
  { key: 'graceSeconds', field: 'graceHours', scale: 3_600, label: 'Grace period after the end date', unit: 'hours' },
  { key: 'heartbeatIntervalSeconds', field: 'heartbeatMinutes', scale: 60, label: 'Heartbeat interval', unit: 'minutes' },
  { key: 'staleWindowSeconds', field: 'staleMinutes', scale: 60, label: 'Stale window (an instance silent this long frees its seat)', unit: 'minutes' },
  { key: 'deactivationsPerDay', field: 'deactivationsPerDay', scale: 1, label: 'Deactivations per licence in 24 hours', unit: 'deactivations' },
];

/** The settings form as posted: numbers as typed, checkboxes present ('on') or absent. */
export interface SettingsForm {
  sessionDuration: string;
  sessionDurationUnit: DurationUnit;
  verifyNewDevices?: string | undefined;
  mfaRequiredForCustomers?: string | undefined;
  registrationRequiresProof?: string | undefined;
  trialsEnabled?: string | undefined;
  [field: string]: string | undefined;
}

/** The on/off settings, as the form and the audit log name them. */
export const SWITCHES = ['verifyNewDevices', 'mfaRequiredForCustomers', 'registrationRequiresProof'] as const;
export type SwitchSetting = (typeof SWITCHES)[number];

/** One setting changed, as audited: its key, the old and the new value. */
export interface SettingChange {
  key: string;
  from: number | boolean;
  to: number | boolean;
}

/** The largest unit that shows a duration as a whole number. */
export function durationInUnits(seconds: number): { value: number; unit: DurationUnit } {
  for (const unit of ['days', 'hours'] as const) if (seconds % DURATION_UNITS[unit] === 0) return { value: seconds / DURATION_UNITS[unit], unit };
  return { value: seconds / 60, unit: 'minutes' };
}

/** A number as the form shows it (a stored value that is not a whole number of units keeps its decimals). */
export const shown = (seconds: number, scale: number): string => String(Math.round((seconds / scale) * 1000) / 1000);

/** The form filled in with the current settings. */
export function formOf(settings: PortalSettings): SettingsForm {
  const duration = durationInUnits(settings.sessionDurationSeconds);
  const form: SettingsForm = {
    sessionDuration: String(duration.value),
    sessionDurationUnit: duration.unit,
    verifyNewDevices: settings.verifyNewDevices ? 'on' : undefined,
    mfaRequiredForCustomers: settings.mfaRequiredForCustomers ? 'on' : undefined,
    registrationRequiresProof: settings.registrationRequiresProof ? 'on' : undefined,
    trialsEnabled: settings.licenceApi.trialsEnabled ? 'on' : undefined,
  };
  for (const f of LICENCE_API_FIELDS) form[f.field] = shown(settings.licenceApi[f.key], f.scale);
  return form;
}

/** A whole number of seconds (or a count) from what was typed, or undefined when it is not one. */
function parseScaled(text: string | undefined, scale: number): number | undefined {
  const trimmed = (text ?? '').trim();
  if (!/^\d{1,9}(\.\d{1,3})?$/.test(trimmed)) return undefined;
  const value = Math.round(Number(trimmed) * scale * 1000) / 1000;
  return Number.isInteger(value) ? value : undefined;
}

/** Reads the posted form against the current settings: what changed, or every problem keyed by field. */
export function changesIn(form: SettingsForm, current: PortalSettings): { ok: true; changes: SettingChange[]; licenceApi: Partial<LicenceApiSettings> } | { ok: false; fields: Record<string, string[]> } {
  const fields: Record<string, string[]> = {};
  const changes: SettingChange[] = [];
  const licenceApi: Partial<LicenceApiSettings> = {};

  const unitScale = DURATION_UNITS[form.sessionDurationUnit];
  const duration = parseScaled(form.sessionDuration, unitScale);
  if (duration === undefined || duration < SESSION_DURATION_MIN_SECONDS || duration > SESSION_DURATION_MAX_SECONDS) fields.sessionDuration = ['The session duration must be from 15 minutes to 90 days (a whole number of seconds).'];
  else if (duration !== current.sessionDurationSeconds) changes.push({ key: 'sessionDurationSeconds', from: current.sessionDurationSeconds, to: duration });

  for (const key of SWITCHES) {
    const on = form[key] === 'on';
    if (on !== current[key]) changes.push({ key, from: current[key], to: on });
  }

  const trialsOn = form.trialsEnabled === 'on';
  const next: LicenceApiSettings = { ...current.licenceApi, trialsEnabled: trialsOn };
  for (const f of LICENCE_API_FIELDS) {
    const value = parseScaled(form[f.field], f.scale);
    const limit = LICENCE_API_LIMITS[f.key];
    if (value === undefined || value < limit.min || value > limit.max) fields[f.field] = [limit.label];
    else next[f.key] = value;
  }
  if (fields.heartbeatMinutes === undefined && fields.staleMinutes === undefined && next.staleWindowSeconds <= next.heartbeatIntervalSeconds) fields.staleMinutes = ['The stale window must be longer than the heartbeat interval.'];
  if (Object.keys(fields).length > 0) return { ok: false, fields };

  for (const key of Object.keys(next) as (keyof LicenceApiSettings)[]) {
    if (next[key] === current.licenceApi[key]) continue;
    changes.push({ key: `licenceApi.${key}`, from: current.licenceApi[key], to: next[key] });
    Object.assign(licenceApi, { [key]: next[key] });
  }
  return { ok: true, changes, licenceApi };
}

/**
 * The admin panel's settings page (and the CLI's `settings set`): reads the portal settings and saves a form of
 * changes, each changed setting audited with its old and new value. The settings repo caches for SETTINGS_CACHE_MS
 * (5 s) per process, so every other portal process applies a change within 5 seconds; this one at once.
 */
export function createSettingsAdmin(deps: { db: Db; settings: SettingsRepo; audit: AuditLog; clock: Clock }) {
  async function save(form: SettingsForm, by: { actor: string; ip?: string | null }): Promise<SettingChange[]> {
    const current = await deps.settings.get();
    const read = changesIn(form, current);
    if (!read.ok) throw new AppError('validation_failed', 'Please correct the highlighted fields. Nothing was changed.', 400, read.fields);
    const now = deps.clock.now();
    // The changes and their audit entries land together or not at all.
    await deps.db.transaction().execute(async (trx) => {
      for (const change of read.changes) {
        if (change.key === 'sessionDurationSeconds') await deps.settings.setSessionDuration(change.to as number, now, trx);
        if (change.key === 'verifyNewDevices') await deps.settings.setVerifyNewDevices(change.to as boolean, now, trx);
        if (change.key === 'mfaRequiredForCustomers') await deps.settings.setMfaRequiredForCustomers(change.to as boolean, now, trx);
        if (change.key === 'registrationRequiresProof') await deps.settings.setRegistrationRequiresProof(change.to as boolean, now, trx);
      }
      if (Object.keys(read.licenceApi).length > 0) await deps.settings.setLicenceApi(read.licenceApi, now, trx);
      for (const change of read.changes) await deps.audit.record({ event: 'settings.changed', actor: by.actor, ip: by.ip ?? null, details: { key: change.key, from: change.from, to: change.to } }, trx);
    });
    deps.settings.forgetCached();
    return read.changes;
  }

  return {
    current: () => deps.settings.get(),
    save,
    /** One switch turned on or off, through the same form path (so audited the same way); [] when it already was. */
    async setSwitch(key: SwitchSetting, on: boolean, by: { actor: string }): Promise<SettingChange[]> {
      return save({ ...formOf(await deps.settings.get()), [key]: on ? 'on' : undefined }, by);
    },
  };
}

export type SettingsAdmin = ReturnType<typeof createSettingsAdmin>;
