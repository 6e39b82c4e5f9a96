import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';
import { AdminLayout, type AdminViewContext } from '../web/admin-layout.js';
import { installBrowserBasics, type BrowserContextSettings } from './browser-context.js';

/** Who is signed in to the admin panel (src/admin decides what the role may do). */
export interface StaffSession {
  staffId: string;
  email: string;
  role: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in staff member on an admin request; never set from a customer's session cookie. */
    staffSession: StaffSession | undefined;
  }
}

/** Reads the staff session from the request (the admin panel's own cookie), or undefined. */
export type StaffSessionResolver = (req: FastifyRequest) => Promise<StaffSession | undefined>;

export interface StaffContextOptions extends BrowserContextSettings {
  /** The staff session plugin; until the admin panel brings its sign-in there is none, and nobody is signed in. */
  resolveStaffSession?: StaffSessionResolver;
  /** What the error pages show of the signed-in staff member (their navigation); none by default. */
  viewContext?: (req: FastifyRequest, reply: FastifyReply) => AdminViewContext;
  /** The admin panel's route plugins, with paths relative to the context's prefix. */
  routes: readonly FastifyPluginAsyncTypebox[];
}

/**
 * The staff browser context (registered at /admin): its own CSRF cookie, session slot, layout and error
 * pages. It knows nothing of customer sessions: a customer's cookie opens nothing here.
 */
export function staffContext(options: StaffContextOptions): FastifyPluginAsyncTypebox {
  return async (ctx) => {
    const home = ctx.prefix === '' ? '/' : ctx.prefix;
    await installBrowserBasics(ctx, options, {
      start: { href: home, label: 'the admin panel' },
      page: ({ title, req, reply, children }) => (
        <AdminLayout title={title} ctx={options.viewContext?.(req, reply) ?? { notice: undefined }} narrow>
          {children}
        </AdminLayout>
      ),
    });
    ctx.decorateRequest('staffSession', undefined);
    const resolve = options.resolveStaffSession;
    if (resolve !== undefined) {
      ctx.addHook('preHandler', async (req) => {
        req.staffSession = await resolve(req);
      });
    }
    for (const routes of options.routes) await ctx.register(routes);
  };
}

/** preHandler for admin pages: only a signed-in staff member gets past it. */
export async function requireStaff(req: FastifyRequest): Promise<void> {
  if (req.staffSession === undefined) throw new AppError('not_signed_in', 'Sign in to the admin panel to open this page.', 401);
}
