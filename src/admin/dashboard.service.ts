import type { Clock } from '../core/clock.js';
import type { DailyCounts, DashboardFigures, DashboardRepo } from './dashboard.repo.js';

export const CHART_DAYS = 30;
/** The charts count a month of rows by day; a minute old is fresh enough, and keeps the dashboard cheap at a million audit rows. */
const CHARTS_FOR_MS = 60_000;

export interface Dashboard {
  figures: DashboardFigures;
  signIns: DailyCounts;
  newLicences: DailyCounts;
  /** When the charts were counted. */
  chartsAt: Date;
}

export function createDashboard(deps: { repo: DashboardRepo; clock: Clock }) {
  let charts: { signIns: DailyCounts; newLicences: DailyCounts; at: Date } | undefined;
  return {
    async load(): Promise<Dashboard> {
      const now = deps.clock.now();
      const figures = deps.repo.figures(now);
      if (charts === undefined || now.getTime() - charts.at.getTime() >= CHARTS_FOR_MS || now.toISOString().slice(0, 10) !== charts.at.toISOString().slice(0, 10)) {
        const [signIns, newLicences] = await Promise.all([deps.repo.signInsPerDay(now, CHART_DAYS), deps.repo.newLicencesPerDay(now, CHART_DAYS)]);
        charts = { signIns, newLicences, at: now };
      }
      return { figures: await figures, signIns: charts.signIns, newLicences: charts.newLicences, chartsAt: charts.at };
    },
  };
}

export type DashboardService = ReturnType<typeof createDashboard>;
