import type { PasswordHasher } from '../accounts/password.hasher.js';
import type { AuditLog } from '../audit/audit.repo.js';
import type { Clock } from '../core/clock.js';
import type { Db } from '../db/database.js';
import type { Mailer } from '../mail/mailer.js';
import type { SettingsRepo } from '../settings/settings.repo.js';
import type { ThrottleRepo } from '../throttle/throttle.repo.js';
import { createDashboardRepo } from './dashboard.repo.js';
import { createDashboard } from './dashboard.service.js';
import { createSettingsAdmin } from './settings-admin.service.js';
import { createStaffRepo } from './staff.repo.js';
import { createStaffService } from './staff.service.js';
import { createStaffSessionsRepo } from './staff-sessions.repo.js';
import { createStaffSignInService } from './staff-sign-in.service.js';

/** The admin panel's services, built once by the composition root (src/services.ts). */
export function createAdminPanel(deps: { db: Db; clock: Clock; hasher: PasswordHasher; throttle: ThrottleRepo; mailer: Mailer; audit: AuditLog; settings: SettingsRepo; secretKey: string; publicUrl: URL }) {
  const staffRepo = createStaffRepo(deps.db);
  const staffSessions = createStaffSessionsRepo(deps.db);
  const staff = createStaffService({ ...deps, staff: staffRepo, staffSessions });
  const signIn = createStaffSignInService({ ...deps, staff: staffRepo, staffService: staff, staffSessions });
  const dashboard = createDashboard({ repo: createDashboardRepo(deps.db), clock: deps.clock });
  const settings = createSettingsAdmin(deps);
  return { staff, signIn, dashboard, settings };
}

export type AdminPanel = ReturnType<typeof createAdminPanel>;
