import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import helmet from 'helmet';
import { sql } from 'kysely';
import { accountSettingsRoutes } from './account-settings/settings.routes.js';
import { accountRoutes } from './accounts/account.routes.js';
import { entitlementRoutes } from './licences/entitlements.routes.js';
import { marketplaceRoutes } from './marketplace/marketplace.routes.js';
import { snsEndpointRoutes } from './marketplace/sns-endpoint.routes.js';
import { mfaSettingsRoutes } from './mfa/mfa-settings.routes.js';
import type { Services } from './services.js';
import { signInRoutes } from './sign-in/sign-in.routes.js';
import { installSessions, type BrowserSessions } from './sessions/session.plugin.js';
import { answerRoutingError, installErrorPages } from './http/error-pages.js';
import { AppError } from './core/errors.js';
import { deriveKey } from './core/keys.js';
import { installNoStoreForPrivateAnswers } from './http/cache-control.js';
import { installCsrfGuard } from './http/csrf-guard.js';
import { installNulGuard } from './http/nul-guard.js';
import { originCheck } from './http/origin-check.js';
import { installPageHelpers } from './http/page.js';

const publicDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../public');

export type App = FastifyInstance;

/** Builds the portal's HTTP application from ready services; listening is the caller's business. */
export async function buildApp(services: Services): Promise<App> {
  const { config } = services;
  const loggerInstance: FastifyBaseLogger = services.logger;
  // Security headers from helmet's middleware, built once: @fastify/helmet rebuilds it, CSP parsing
  // included, on every request (a tenth of a plain page's CPU here).
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
        // Only behind https: on plain http it would send the stylesheet request to https.
        upgradeInsecureRequests: config.secureCookies ? [] : null,
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: config.secureCookies ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
    frameguard: { action: 'deny' },
  });
  const app = Fastify({
    loggerInstance,
    trustProxy: config.trustProxy,
    bodyLimit: 256 * 1024,
    return503OnClosing: true,
    // A URL that cannot be decoded ("/%ff") gets a page too, not Fastify's own JSON.
    frameworkErrors: (error, req, reply) => {
      securityHeaders(req.raw, reply.raw, () => answerRoutingError(error, req, reply));
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onRequest', (req, reply, done) => {
    securityHeaders(req.raw, reply.raw, (error?: unknown) => {
      done(error instanceof Error ? error : undefined);
    });
  });
  await app.register(fastifyCookie);
  // After the cookie plugin, whose onSend hook writes Set-Cookie: this one must see it.
  installNoStoreForPrivateAnswers(app);
  await app.register(fastifyFormbody);
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: config.secureCookies ? '__Host-ws_csrf' : 'ws_csrf',
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'lax', secure: config.secureCookies },
    csrfOpts: { hmacKey: deriveKey(services.secretKey, 'csrf') },
    getToken: (req) => (req.body as { _csrf?: string } | undefined)?._csrf,
  });
  // Off by default; routes opt in (the Marketplace landing, which costs an AWS call each, and registration).
  // Counted in PostgreSQL, so all portal processes share one count per address.
  await app.register(fastifyRateLimit, {
    global: false,
    store: services.rateLimits.Store,
    errorResponseBuilder: (_req, context) => new AppError('too_many_requests', `Too many requests from your network. Please wait ${Math.ceil(context.ttl / 1000)} seconds and try again.`, 429),
  });
  await app.register(fastifyStatic, { root: publicDir, prefix: '/assets/', maxAge: '1h', index: false });

  installPageHelpers(app);
  installErrorPages(app);
  app.addHook('onRequest', originCheck(config.publicUrl));
  installCsrfGuard(app);
  installNulGuard(app);
  // What every customer-browser route uses to hand out, read and end a browser session.
  const browser: BrowserSessions = { cookies: config, sessions: services.sessions, knownDevices: services.knownDevices, clock: services.clock };
  installSessions(app, browser);

  app.get('/healthz', { logLevel: 'warn' }, () => ({ status: 'ok' }));
  app.get('/readyz', { logLevel: 'warn' }, async (_req, reply) => {
    try {
      await sql`select 1`.execute(services.db);
      return { status: 'ready', database: 'ok' };
    } catch {
      return reply.code(503).header('retry-after', '30').send({ status: 'not ready', database: 'unreachable' });
    }
  });
  app.get('/', (_req, reply) => reply.redirect('/portal/entitlements'));
  app.get('/portal', (_req, reply) => reply.redirect('/portal/entitlements'));
  app.get('/portal/', (_req, reply) => reply.redirect('/portal/entitlements'));

  await app.register(signInRoutes({ signIn: services.signIn, browser }));
  await app.register(accountRoutes({ registration: services.registration, passwordReset: services.passwordReset, browser }));
  await app.register(entitlementRoutes({ licences: services.licences, clock: services.clock }));
  await app.register(
    marketplaceRoutes({
      landing: services.marketplace.landing,
      landingsPerMinute: config.marketplaceLandingsPerMinute,
      link: services.marketplace.link,
      provisioning: services.marketplace.provisioning,
      signIn: services.signIn,
      registration: services.registration,
      browser,
    }),
  );
  await app.register(snsEndpointRoutes({ notifications: services.marketplaceNotifications, audit: services.audit, config }));
  await app.register(mfaSettingsRoutes({ mfa: services.mfa }));
  await app.register(accountSettingsRoutes({ accountSettings: services.accountSettings, cookies: config }));
  return app;
}
