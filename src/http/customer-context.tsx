import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { PortalLayout } from '../web/portal-layout.js';
import { installBrowserBasics, type BrowserContextSettings } from './browser-context.js';
import { viewContext } from './page.js';

export interface CustomerContextOptions extends BrowserContextSettings {
  /** Resolves the customer's session on this context's requests (the customer session plugin). */
  installSessions(ctx: FastifyInstance): void;
  /** The portal's route plugins; they declare their full paths (/portal/…, and /marketplace/… for the cross-site ones). */
  routes: readonly FastifyPluginAsyncTypebox[];
}

/**
 * The customer browser context: the portal's pages under /portal, the Marketplace landing and the SNS
 * endpoint (its declared cross-site routes), and the not-found page for every path that belongs to no
 * other context. Registered without a prefix, because its routes carry their own full paths.
 */
export function customerContext(options: CustomerContextOptions): FastifyPluginAsyncTypebox {
  return async (ctx) => {
    await installBrowserBasics(ctx, options, {
      start: { href: '/portal/entitlements', label: 'My Entitlements' },
      page: ({ title, req, reply, children }) => (
        <PortalLayout title={title} ctx={viewContext(req, reply)} narrow>
          {children}
        </PortalLayout>
      ),
    });
    options.installSessions(ctx);
    for (const routes of options.routes) await ctx.register(routes);
  };
}
