import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { StaffSessionResolver } from '../http/staff-context.js';
import type { CookiePolicy } from '../sessions/session.plugin.js';
import type { AdminPanel } from './admin.service.js';
import { adminErrorView } from './admin-view.js';
import { homeRoutes } from './home.routes.js';
import { invitationRoutes } from './invitation.routes.js';
import { licenceRoutes, type LicenceRouteDeps } from './licences.routes.js';
import { staffSessionResolver } from './staff-session.js';
import { staffSignInRoutes } from './staff-sign-in.routes.js';
import { staffRoutes } from './staff.routes.js';

/** What app.ts hands the staff context: the admin panel's routes, its session resolver and its error pages' view. */
export function adminRoutes({ admin, cookies, licences }: { admin: AdminPanel; cookies: CookiePolicy; licences: Omit<LicenceRouteDeps, 'cookies'> }): { routes: FastifyPluginAsyncTypebox[]; resolveStaffSession: StaffSessionResolver; viewContext: typeof adminErrorView } {
  return {
    resolveStaffSession: staffSessionResolver({ cookies, signIn: admin.signIn }),
    viewContext: adminErrorView,
    routes: [
      homeRoutes({ cookies }),
      staffSignInRoutes({ signIn: admin.signIn, cookies }),
      invitationRoutes({ staff: admin.staff }),
      staffRoutes({ staff: admin.staff, signIn: admin.signIn, cookies }),
      licenceRoutes({ ...licences, cookies }),
    ],
  };
}
