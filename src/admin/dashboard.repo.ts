import { sql } from 'kysely';
import type { Db } from '../db/database.js';

export interface DashboardFigures {
  customers: number;
  activeLicences: number;
  seatsInUse: number;
  pendingRequests: number;
  failedNotifications: number;
  endingWithin30Days: number;
}

/** Counts per UTC day, oldest first, one entry per day of the window (days without any are 0). */
export interface DailyCounts {
  days: string[];
  series: Record<string, number[]>;
}

const DAY_MS = 86_400_000;

/** The UTC days of the window ending today: `count` ISO dates, oldest first. */
export function windowDays(now: Date, count: number): string[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Array.from({ length: count }, (_, i) => new Date(today - (count - 1 - i) * DAY_MS).toISOString().slice(0, 10));
}

function spread(days: string[], rows: { day: string; key: string; n: number }[], keys: readonly string[]): DailyCounts {
  const index = new Map(days.map((d, i) => [d, i]));
  const series = Object.fromEntries(keys.map((k) => [k, days.map(() => 0)]));
  for (const row of rows) {
    const i = index.get(row.day);
    const line = series[row.key];
    if (i !== undefined && line !== undefined) line[i] = row.n;
  }
  return { days, series };
}

/** The dashboard's figures, across features' tables: read-only, each through an index. */
export function createDashboardRepo(db: Db) {
  return {
    async figures(now: Date): Promise<DashboardFigures> {
      const in30 = new Date(now.getTime() + 30 * DAY_MS);
      const row = await sql<DashboardFigures>`
        select
          (select count(*) from portal_accounts)::int as "customers",
          (select count(*) from licences where status = 'active')::int as "activeLicences",
          (select count(*) from activations where ended_at is null and stale_after > ${now})::int as "seatsInUse",
          (select count(*) from licences where status = 'requested')::int as "pendingRequests",
          (select count(*) from marketplace_notifications where status = 'failed')::int as "failedNotifications",
          (select count(*) from licences where status = 'active' and ends_at > ${now} and ends_at <= ${in30})::int as "endingWithin30Days"
      `.execute(db);
      const figures = row.rows[0];
      if (figures === undefined) throw new Error('The dashboard query answered no row.');
      return figures;
    },

    /** Sign-ins that succeeded and failed, per UTC day of the window (the audit log's event index). */
    async signInsPerDay(now: Date, count: number): Promise<DailyCounts> {
      const days = windowDays(now, count);
      const from = new Date(`${days[0] ?? ''}T00:00:00Z`);
      const rows = await db
        .selectFrom('audit_events')
        .select([sql<string>`to_char(at at time zone 'UTC', 'YYYY-MM-DD')`.as('day'), 'event as key', sql<number>`count(*)::int`.as('n')])
        .where('event', 'in', ['sign_in.succeeded', 'sign_in.failed'])
        .where('at', '>=', from)
        .groupBy(['day', 'event'])
        .execute();
      return spread(days, rows, ['sign_in.succeeded', 'sign_in.failed']);
    },

    /** Licences made per UTC day of the window, by how they came (issued, trial, Marketplace…). */
    async newLicencesPerDay(now: Date, count: number): Promise<DailyCounts> {
      const days = windowDays(now, count);
      const from = new Date(`${days[0] ?? ''}T00:00:00Z`);
      const rows = await db
        .selectFrom('licences')
        .select([sql<string>`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD')`.as('day'), sql<string>`'new'`.as('key'), sql<number>`count(*)::int`.as('n')])
        .where('created_at', '>=', from)
        .groupBy('day')
        .execute();
      return spread(days, rows, ['new']);
    },
  };
}

export type DashboardRepo = ReturnType<typeof createDashboardRepo>;
