import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AuditLog } from '../audit/audit.repo.js';
import type { AuditSearchRepo } from '../audit/audit-search.repo.js';
import type { Clock } from '../core/clock.js';
import type { StaffSessionResolver } from '../http/staff-context.js';
import type { Mailer } from '../mail/mailer.js';
import type { NotificationService } from '../marketplace/notification.service.js';
import type { CookiePolicy } from '../sessions/session.plugin.js';
import type { AdminPanel } from './admin.service.js';
import { adminErrorView } from './admin-view.js';
import { auditRoutes } from './audit.routes.js';
import { customersRoutes, type CustomerRouteDeps } from './customers.routes.js';
import { homeRoutes } from './home.routes.js';
import { invitationRoutes } from './invitation.routes.js';
import { licenceRoutes, type LicenceRouteDeps } from './licences.routes.js';
import { staffSessionResolver } from './staff-session.js';
import { staffSignInRoutes } from './staff-sign-in.routes.js';
import { staffRoutes } from './staff.routes.js';
import { marketplaceAdminRoutes } from './marketplace-admin.routes.js';
import { outboxRoutes } from './outbox.routes.js';
import { settingsRoutes } from './settings.routes.js';

/** What app.ts hands the staff context: the admin panel's routes, its session resolver and its error pages' view. */
export interface AdminRouteDeps {
  admin: AdminPanel;
  cookies: CookiePolicy;
  audit: AuditLog;
  clock: Clock;
  mailer: Pick<Mailer, 'listPage' | 'readMessage'>;
  marketplaceNotifications: Pick<NotificationService, 'search' | 'find' | 'types' | 'subscriptions' | 'reprocess'>;
  customers: Omit<CustomerRouteDeps, 'cookies'>;
  auditSearch: AuditSearchRepo;
  licences: Omit<LicenceRouteDeps, 'cookies'>;
}

export function adminRoutes({ admin, cookies, audit, clock, mailer, marketplaceNotifications, customers, auditSearch, licences }: AdminRouteDeps): { routes: FastifyPluginAsyncTypebox[]; resolveStaffSession: StaffSessionResolver; viewContext: typeof adminErrorView } {
  return {
    resolveStaffSession: staffSessionResolver({ cookies, signIn: admin.signIn }),
    viewContext: adminErrorView,
    routes: [
      homeRoutes({ cookies, dashboard: admin.dashboard }),
      staffSignInRoutes({ signIn: admin.signIn, cookies }),
      invitationRoutes({ staff: admin.staff }),
      staffRoutes({ staff: admin.staff, signIn: admin.signIn, cookies }),
      auditRoutes({ auditLog: auditSearch, audit, clock, cookies }),
      settingsRoutes({ settings: admin.settings, signIn: admin.signIn, cookies }),
      outboxRoutes({ mailer, audit, cookies }),
      marketplaceAdminRoutes({ notifications: marketplaceNotifications, cookies }),
      customersRoutes({ ...customers, cookies }),
      licenceRoutes({ ...licences, cookies }),
    ],
  };
}
