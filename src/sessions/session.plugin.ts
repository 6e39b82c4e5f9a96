import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { safeReturnPath } from '../http/page.js';
import { DEVICE_COOKIE_MAX_AGE_SECONDS, type KnownDevices } from './known-devices.js';
import type { SessionWithAccount } from './sessions.repo.js';
import type { SessionService } from './sessions.service.js';

declare module 'fastify' {
  interface FastifyRequest {
    portalSession: SessionWithAccount | undefined;
    /** The raw session token from the cookie (needed to end this session). */
    portalSessionToken: string | undefined;
    /** The customer context's cookie policy, for the gates' resume cookie. */
    portalCookies: CookiePolicy;
  }
}

/** Whether cookies are Secure (behind https), which also decides their `__Host-`/`__Secure-` prefixes. */
export type CookiePolicy = Pick<Config, 'secureCookies'>;

/** What a route needs to hand a browser its session: the cookie policy, the session store and the browser's device. */
export interface BrowserSessions {
  cookies: CookiePolicy;
  sessions: SessionService;
  knownDevices: KnownDevices;
  clock: Clock;
}

/** `__Host-` pins the cookie to our host over https; browsers refuse that prefix without Secure, so plain http uses a bare name. */
export function sessionCookieName(cookies: CookiePolicy): string {
  return cookies.secureCookies ? '__Host-ws_session' : 'ws_session';
}

/** The remembered-browser cookie for the new-device check (src/sessions/known-devices.ts). */
export function deviceCookieName(cookies: CookiePolicy): string {
  return cookies.secureCookies ? '__Host-ws_device' : 'ws_device';
}

/**
 * The pending second sign-in step (src/sessions/sign-in-challenges.repo.ts). Scoped to the sign-in pages,
 * so `__Secure-` rather than `__Host-` (which browsers accept only with Path=/).
 */
export function challengeCookieName(cookies: CookiePolicy): string {
  return cookies.secureCookies ? '__Secure-ws_signin' : 'ws_signin';
}

const CHALLENGE_COOKIE_PATH = '/portal/sign-in';

export function clearChallengeCookie(reply: FastifyReply, cookies: CookiePolicy): void {
  reply.clearCookie(challengeCookieName(cookies), { path: CHALLENGE_COOKIE_PATH, httpOnly: true, sameSite: 'lax', secure: cookies.secureCookies });
}

function setSessionCookie(reply: FastifyReply, cookies: CookiePolicy, token: string, expiresAt: Date): void {
  reply.setCookie(sessionCookieName(cookies), token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: cookies.secureCookies,
    expires: expiresAt,
  });
}

/**
 * Hands the browser its new session after sign-in or registration. Any session the browser held before
 * ends: a token never carries across a sign-in. The browser is remembered as one this account uses.
 */
export async function startBrowserSession(
  req: FastifyRequest,
  reply: FastifyReply,
  browser: BrowserSessions,
  session: { token: string; expiresAt: Date; accountId: string },
): Promise<void> {
  const { cookies } = browser;
  if (req.portalSessionToken !== undefined) await browser.sessions.invalidate(req.portalSessionToken);
  setSessionCookie(reply, cookies, session.token, session.expiresAt);
  clearChallengeCookie(reply, cookies);
  let deviceId = browser.knownDevices.read(req.cookies[deviceCookieName(cookies)]);
  if (deviceId === undefined) {
    const cookie = browser.knownDevices.newCookie();
    deviceId = cookie.id;
    reply.setCookie(deviceCookieName(cookies), cookie.value, { path: '/', httpOnly: true, sameSite: 'lax', secure: cookies.secureCookies, maxAge: DEVICE_COOKIE_MAX_AGE_SECONDS });
  }
  await browser.knownDevices.remember(session.accountId, deviceId, browser.clock.now());
}

/** Starts the second sign-in step in this browser: a short-lived cookie scoped to the sign-in pages. */
export function setChallengeCookie(reply: FastifyReply, cookies: CookiePolicy, token: string, expiresAt: Date): void {
  reply.setCookie(challengeCookieName(cookies), token, { path: CHALLENGE_COOKIE_PATH, httpOnly: true, sameSite: 'lax', secure: cookies.secureCookies, expires: expiresAt });
}

export function clearSessionCookie(reply: FastifyReply, cookies: CookiePolicy): void {
  reply.clearCookie(sessionCookieName(cookies), { path: '/', httpOnly: true, sameSite: 'lax', secure: cookies.secureCookies });
}

/**
 * Resolves the portal session on the routes of the context it is installed in (the customer context).
 * Cross-site routes (the Marketplace landing, SNS) never act on it: a browser sends no Lax cookie with them.
 */
export function installSessions(app: FastifyInstance, browser: Pick<BrowserSessions, 'cookies' | 'sessions'>): void {
  const cookieName = sessionCookieName(browser.cookies);
  app.decorateRequest('portalSession', undefined);
  app.decorateRequest('portalSessionToken', undefined);
  app.decorateRequest('portalCookies', { getter: () => browser.cookies });
  app.addHook('preHandler', async (req, reply) => {
    if (req.routeOptions.config.crossSite === true) return;
    const token = req.cookies[cookieName];
    if (token === undefined || token === '' || token.length > 128) return;
    const session = await browser.sessions.validate(token, { ip: req.ip });
    if (session === undefined) {
      clearSessionCookie(reply, browser.cookies);
      return;
    }
    req.portalSession = session;
    req.portalSessionToken = token;
  });
}

export const CHANGE_PASSWORD_PATH = '/portal/change-password';
/** Where a customer without MFA is sent while the portal requires it: Settings, opened at its MFA section. */
export const MFA_SETUP_PATH = '/portal/settings?notice=mfa-required#mfa-heading';

/** While MFA is required and missing: the Settings page (GET) and the MFA set-up steps, nothing else. */
function mayOpenWhileMfaMissing(req: FastifyRequest): boolean {
  const url = req.routeOptions.url ?? '';
  return (url === '/portal/settings' && req.method === 'GET') || url.startsWith('/portal/settings/mfa/');
}

/**
 * Where this request's session must go before the page it asked for, if anywhere: a session opened with a
 * one-time password gets nothing but the change-password page until a new password is chosen; then, while
 * the portal requires MFA, a customer without it gets nothing but setting it up. Every customer page asks
 * this, through requireAccount or (pages that also serve the signed-out, such as the link flows) directly.
 */
export function sessionGate(req: FastifyRequest): string | undefined {
  const session = req.portalSession;
  if (session === undefined) return undefined;
  if (session.mustChangePassword) return req.routeOptions.url === CHANGE_PASSWORD_PATH ? undefined : CHANGE_PASSWORD_PATH;
  if (session.mfaSetupRequired && !mayOpenWhileMfaMissing(req)) return MFA_SETUP_PATH;
  return undefined;
}

/** The page a gated customer was on its way to (a Marketplace link, provisioning, a deep link), for one hour. */
function resumeCookieName(cookies: CookiePolicy): string {
  return cookies.secureCookies ? '__Host-ws_resume' : 'ws_resume';
}

/** Sends the session to its gate; a page it was opening (GET) is remembered, to continue there once the gate is passed. */
export async function sendToGate(req: FastifyRequest, reply: FastifyReply, gate: string): Promise<void> {
  if (req.method === 'GET') {
    const cookies = req.portalCookies;
    reply.setCookie(resumeCookieName(cookies), req.url, { path: '/', httpOnly: true, sameSite: 'lax', secure: cookies.secureCookies, maxAge: 60 * 60 });
  }
  await reply.redirect(gate, 303);
}

/**
 * Once a gate is passed: the remembered page (only ever one of the portal's own paths), forgotten as it is
 * read. `notice`: what to tell the customer there, unless the page already carries a notice.
 */
export function takeResumePath(req: FastifyRequest, reply: FastifyReply, notice?: string): string | undefined {
  const cookies = req.portalCookies;
  const raw = req.cookies[resumeCookieName(cookies)];
  if (raw === undefined) return undefined;
  reply.clearCookie(resumeCookieName(cookies), { path: '/', httpOnly: true, sameSite: 'lax', secure: cookies.secureCookies });
  const path = safeReturnPath(raw, '');
  if (path === '') return undefined;
  if (notice === undefined) return path;
  const url = new URL(path, 'http://portal.invalid');
  if (!url.searchParams.has('notice')) url.searchParams.set('notice', notice);
  return `${url.pathname}${url.search}${url.hash}`;
}

/** preHandler for pages that need a signed-in customer: others are sent to sign in, then brought back; sessions with a gate go through it first. */
export async function requireAccount(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (req.portalSession !== undefined) {
    const gate = sessionGate(req);
    if (gate !== undefined) await sendToGate(req, reply, gate);
    return;
  }
  const next = req.method === 'GET' ? `?next=${encodeURIComponent(req.url)}` : '';
  await reply.redirect(`/portal/sign-in${next}`, 303);
}

/** The signed-in session (with its raw token, to keep it while ending the others) of a route behind requireAccount. */
export type SignedInSession = SessionWithAccount & { token: string };

/** Only for routes whose preHandler demands a session: reaching one without it is a wiring mistake, answered as signed out. */
export function signedInSession(req: FastifyRequest): SignedInSession {
  const session = req.portalSession;
  const token = req.portalSessionToken;
  if (session === undefined || token === undefined) throw new AppError('not_signed_in', 'Your session has ended. Please sign in again.', 401);
  return { ...session, token };
}
