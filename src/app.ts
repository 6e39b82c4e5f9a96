import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import helmet from 'helmet';
import { sql } from 'kysely';
import { adminRoutes } from './admin/admin.routes.js';
import { portalLinkRoutes } from './account-proofs/portal-links.routes.js';
import { proofLinkRoutes } from './account-proofs/proof-link.routes.js';
import { accountSettingsRoutes } from './account-settings/settings.routes.js';
import { accountRoutes } from './accounts/account.routes.js';
import { entitlementRoutes } from './licences/entitlements.routes.js';
import { marketplaceRoutes } from './marketplace/marketplace.routes.js';
import { snsEndpointRoutes } from './marketplace/sns-endpoint.routes.js';
import { mfaSettingsRoutes } from './mfa/mfa-settings.routes.js';
import type { Services } from './services.js';
import { signInRoutes } from './sign-in/sign-in.routes.js';
import { installSessions, type BrowserSessions } from './sessions/session.plugin.js';
import { apiContext } from './http/api-context.js';
import { customerContext } from './http/customer-context.js';
import { answerBareError, answerBareNotFound, answerRoutingError } from './http/error-pages.js';
import { answerRoutingErrorWithProblem } from './http/problem.js';
import { staffContext } from './http/staff-context.js';
import { statusRoutes } from './http/status.routes.js';
import { licenceApiRoutes } from './activations/licence-api.routes.js';
import { JWKS_CACHE_CONTROL, keysRoutes } from './licence-files/keys.routes.js';
import { AppError } from './core/errors.js';
import { deriveKey } from './core/keys.js';
import { installNoStoreForPrivateAnswers } from './http/cache-control.js';

const appDir = path.dirname(fileURLToPath(import.meta.url));
const publicDir = path.resolve(appDir, '../public');
const { version } = JSON.parse(readFileSync(path.resolve(appDir, '../package.json'), 'utf8')) as { version: string };

export type App = FastifyInstance;

/**
 * Builds the portal's HTTP application from ready services; listening is the caller's business.
 * Three encapsulated contexts, each with its own hooks and error handling: the customer browser context
 * (/portal, the Marketplace landing and SNS endpoint), the staff browser context (/admin) and the API (/api).
 * Outside them: security headers and cookies for all, the probes, the root redirects and static assets.
 */
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
    // A URL that cannot be decoded ("/%ff") gets a page (a problem document under /api/), not Fastify's
    // own JSON. It fails before routing, so no context has it yet: the path is all there is to go by.
    frameworkErrors: (error, req, reply) => {
      const answer = req.url.startsWith('/api/') ? answerRoutingErrorWithProblem : answerRoutingError;
      securityHeaders(req.raw, reply.raw, () => answer(error, req, reply));
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
  // Off by default; routes opt in (the Marketplace landing, which costs an AWS call each, and registration).
  // Counted in PostgreSQL, so all portal processes share one count per address.
  await app.register(fastifyRateLimit, {
    global: false,
    store: services.rateLimits.Store,
    errorResponseBuilder: (_req, context) => new AppError('too_many_requests', `Too many requests from your network. Please wait ${Math.ceil(context.ttl / 1000)} seconds and try again.`, 429),
  });
  // Outside the contexts nobody is signed in: errors get a bare page that sets no cookie.
  app.setErrorHandler(answerBareError);
  await app.register(
    async (assets) => {
      assets.setNotFoundHandler(answerBareNotFound);
      await assets.register(fastifyStatic, { root: publicDir, prefix: '/', maxAge: '1h', index: false });
    },
    { prefix: '/assets' },
  );

  app.get('/healthz', { logLevel: 'warn' }, () => ({ status: 'ok' }));
  app.get('/readyz', { logLevel: 'warn' }, async (_req, reply) => {
    try {
      await sql`select 1`.execute(services.db);
      return { status: 'ready', database: 'ok' };
    } catch {
      return reply.code(503).header('retry-after', '30').send({ status: 'not ready', database: 'unreachable' });
    }
  });
  // The licence-file keys where JOSE clients look for them (RFC 8414 style); the API serves the same at /api/v1/keys.
  app.get('/.well-known/jwks.json', async (_req, reply) => reply.header('cache-control', JWKS_CACHE_CONTROL).send(await services.licenceFiles.jwks()));
  app.get('/', (_req, reply) => reply.redirect('/portal/entitlements'));
  app.get('/portal', (_req, reply) => reply.redirect('/portal/entitlements'));
  app.get('/portal/', (_req, reply) => reply.redirect('/portal/entitlements'));

  const { secureCookies, publicUrl } = config;
  // What every customer-browser route uses to hand out, read and end a browser session.
  const browser: BrowserSessions = { cookies: config, sessions: services.sessions, knownDevices: services.knownDevices, clock: services.clock };
  await app.register(
    customerContext({
      publicUrl,
      secureCookies,
      csrf: { cookieName: secureCookies ? '__Host-ws_csrf' : 'ws_csrf', hmacKey: deriveKey(services.secretKey, 'csrf') },
      installSessions: (ctx) => installSessions(ctx, browser),
      routes: [
        signInRoutes({ signIn: services.signIn, browser }),
        accountRoutes({ registration: services.registration, passwordReset: services.passwordReset, browser }),
        entitlementRoutes({ licences: services.licences, seatHolders: services.activations.seatHolders, clock: services.clock }),
        marketplaceRoutes({
          landing: services.marketplace.landing,
          landingsPerMinute: config.marketplaceLandingsPerMinute,
          link: services.marketplace.link,
          provisioning: services.marketplace.provisioning,
          signIn: services.signIn,
          registration: services.registration,
          browser,
        }),
        snsEndpointRoutes({ notifications: services.marketplaceNotifications, audit: services.audit, config }),
        mfaSettingsRoutes({ mfa: services.mfa }),
        accountSettingsRoutes({ accountSettings: services.accountSettings, cookies: config }),
        proofLinkRoutes({ proofs: services.accountProofs, registration: services.registration, signIn: services.signIn, browser }),
      ],
    }),
  );
  await app.register(
    staffContext({
      publicUrl,
      secureCookies,
      csrf: { cookieName: secureCookies ? '__Host-ws_admin_csrf' : 'ws_admin_csrf', hmacKey: deriveKey(services.secretKey, 'admin-csrf') },
      ...adminRoutes({
        admin: services.admin,
        cookies: config,
        audit: services.audit,
        clock: services.clock,
        mailer: services.mailer,
        marketplaceNotifications: services.marketplaceNotifications,
        auditSearch: services.auditSearch,
        licences: { licences: services.licences, activations: services.activations, marketplace: services.marketplace, clock: services.clock },
        customers: {
          customers: services.customerAccounts,
          provisioning: services.accountProvisioning,
          passwordReset: services.passwordReset,
          mfa: services.mfa,
          sessions: services.sessions,
          licences: services.licences,
          marketplace: services.marketplace,
          activations: services.activations,
          auditSearch: services.auditSearch,
          clock: services.clock,
        },
      }),
    }),
    { prefix: '/admin' },
  );
  await app.register(
    apiContext({
      info: { title: 'WebStream Licence Portal API', version, description: 'For WebStream instances and scripts. JSON in and out; every error is a problem document (RFC 9457).' },
      verifyBearer: async (token) => {
        const caller = await services.activations.authenticate(token);
        return caller === undefined ? undefined : { audience: 'instance', subject: caller.instanceId, awsAccountId: caller.awsAccountId };
      },
      routes: [
        statusRoutes({ version }),
        portalLinkRoutes({ proofs: services.accountProofs, verifyIdentity: services.verifyIdentity }),
        licenceApiRoutes({ activations: services.activations, licenceRequests: services.licenceRequests, verifyIdentity: services.verifyIdentity, limits: services.apiLimits, audit: services.audit }),
        keysRoutes({ licenceFiles: services.licenceFiles }),
      ],
    }),
    { prefix: '/api' },
  );
  return app;
}
