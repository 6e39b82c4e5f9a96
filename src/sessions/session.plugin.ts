import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import type { Services } from '../services.js';
import type { SessionWithAccount } from './sessions.repo.js';

declare module 'fastify' {
  interface FastifyRequest {
    portalSession: SessionWithAccount | undefined;
    /** The raw session token from the cookie (needed to end this session). */
    portalSessionToken: string | undefined;
  }
}

/** `__Host-` pins the cookie to our host over https; browsers refuse that prefix without Secure, so plain http uses a bare name. */
export function sessionCookieName(config: Config): string {
  return config.secureCookies ? '__Host-ws_session' : 'ws_session';
}

function setSessionCookie(reply: FastifyReply, config: Config, token: string, expiresAt: Date): void {
  reply.setCookie(sessionCookieName(config), token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: config.secureCookies,
    expires: expiresAt,
  });
}

/**
 * Hands the browser its new session after sign-in or registration. Any session the browser held before
 * ends: a token never carries across a sign-in.
 */
export async function startBrowserSession(req: FastifyRequest, reply: FastifyReply, services: Pick<Services, 'config' | 'sessions'>, session: { token: string; expiresAt: Date }): Promise<void> {
  if (req.portalSessionToken !== undefined) await services.sessions.invalidate(req.portalSessionToken);
  setSessionCookie(reply, services.config, session.token, session.expiresAt);
}

export function clearSessionCookie(reply: FastifyReply, config: Config): void {
  reply.clearCookie(sessionCookieName(config), { path: '/', httpOnly: true, sameSite: 'lax', secure: config.secureCookies });
}

/** Resolves the portal session for /portal pages (other paths never touch the database for it). */
export function installSessions(app: FastifyInstance, services: Services): void {
  const cookieName = sessionCookieName(services.config);
  app.decorateRequest('portalSession', undefined);
  app.decorateRequest('portalSessionToken', undefined);
  app.addHook('preHandler', async (req, reply) => {
    if (!req.url.startsWith('/portal')) return;
    const token = req.cookies[cookieName];
    if (token === undefined || token === '' || token.length > 128) return;
    const session = await services.sessions.validate(token, { ip: req.ip });
    if (session === undefined) {
      clearSessionCookie(reply, services.config);
      return;
    }
    req.portalSession = session;
    req.portalSessionToken = token;
  });
}

/** preHandler for pages that need a signed-in customer: others are sent to sign in, then brought back. */
export async function requireAccount(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (req.portalSession !== undefined) return;
  const next = req.method === 'GET' ? `?next=${encodeURIComponent(req.url)}` : '';
  await reply.redirect(`/portal/sign-in${next}`, 303);
}
