import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { CookiePolicy } from '../sessions/session.plugin.js';
import { adminView } from './admin-view.js';
import { AdminHomePage } from './home.page.js';
import { requirePermission, requireStaffPage, signedInStaff } from './staff-session.js';

/** /admin/ (and /admin): the start page of a signed-in staff member. */
export function homeRoutes({ cookies }: { cookies: CookiePolicy }): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/', { preHandler: [requireStaffPage(cookies), requirePermission('dashboard.view')] }, async (req, reply) => reply.page(<AdminHomePage ctx={adminView(req, reply)} staff={signedInStaff(req, cookies)} />));
  };
}
