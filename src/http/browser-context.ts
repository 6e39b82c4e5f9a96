import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import { installCsrfGuard } from './csrf-guard.js';
import { installErrorPages, type ErrorPageArea } from './error-pages.js';
import { installNulGuard } from './nul-guard.js';
import { originCheck } from './origin-check.js';
import { installPageHelpers } from './page.js';

/** What a browser context (the customer portal, the admin panel) is told by app.ts. */
export interface BrowserContextSettings {
  publicUrl: URL;
  secureCookies: boolean;
  /** The context's own CSRF secret cookie and HMAC key: a token from one context is worthless in another. */
  csrf: { cookieName: string; hmacKey: Buffer };
}

/**
 * What every browser context has, in this order: HTML forms, CSRF tokens, server-rendered pages with the
 * context's own error pages, the origin check, the CSRF guard and the NUL guard. Routes that accept
 * cross-site posts by design declare `config: { crossSite: true }` (see origin-check.ts).
 */
export async function installBrowserBasics(ctx: FastifyInstance, settings: BrowserContextSettings, errorPages: ErrorPageArea): Promise<void> {
  await ctx.register(fastifyFormbody);
  await ctx.register(fastifyCsrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: settings.csrf.cookieName,
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'lax', secure: settings.secureCookies },
    csrfOpts: { hmacKey: settings.csrf.hmacKey },
    getToken: (req) => (req.body as { _csrf?: string } | undefined)?._csrf,
  });
  installPageHelpers(ctx);
  installErrorPages(ctx, errorPages);
  ctx.addHook('onRequest', originCheck(settings.publicUrl));
  installCsrfGuard(ctx);
  installNulGuard(ctx);
}
