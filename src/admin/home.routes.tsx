import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { CookiePolicy } from '../sessions/session.plugin.js';
import { adminView } from './admin-view.js';
import type { DashboardService } from './dashboard.service.js';
import { AdminHomePage } from './home.page.js';
import { can } from './policy.js';
import { requirePermission, requireStaffPage, signedInStaff } from './staff-session.js';

/** /admin/ (and /admin): the dashboard of a signed-in staff member. */
export function homeRoutes({ cookies, dashboard }: { cookies: CookiePolicy; dashboard: DashboardService }): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/', { preHandler: [requireStaffPage(cookies), requirePermission('dashboard.view')] }, async (req, reply) => {
      const staff = signedInStaff(req, cookies);
      const link = (action: Parameters<typeof can>[1], href: string) => (can(staff.role, action) ? href : undefined);
      const links = {
        customers: link('customers.view', '/admin/customers'),
        licences: link('licences.view', '/admin/licences?status=active'),
        requests: link('licences.view', '/admin/licences?view=requests'),
        ending: link('licences.view', '/admin/licences?ending=30'),
        failed: link('marketplace.view', '/admin/marketplace/notifications?status=failed'),
      };
      return reply.page(<AdminHomePage ctx={adminView(req, reply)} staff={staff} dashboard={await dashboard.load()} links={links} />);
    });
  };
}
