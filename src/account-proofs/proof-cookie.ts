import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CookiePolicy } from '../sessions/session.plugin.js';

/**
 * The portal link's token travels in this cookie from the opened URL through registration or sign-in,
 * never in a later URL (the first answer moves it out of the address bar). HttpOnly and short-lived (the
 * link's own expiry); `__Host-` (which requires Path=/ and Secure) behind https. SameSite=Lax: set by the
 * answer to a top-level navigation from the instance's admin panel, sent on later same-site navigations.
 */
export function proofCookieName(cookies: CookiePolicy): string {
  return cookies.secureCookies ? '__Host-ws_portallink' : 'ws_portallink';
}

export function setProofCookie(reply: FastifyReply, cookies: CookiePolicy, token: string, expiresAt: Date): void {
  reply.setCookie(proofCookieName(cookies), token, { path: '/', httpOnly: true, sameSite: 'lax', secure: cookies.secureCookies, expires: expiresAt });
}

export function clearProofCookie(reply: FastifyReply, cookies: CookiePolicy): void {
  reply.clearCookie(proofCookieName(cookies), { path: '/', httpOnly: true, sameSite: 'lax', secure: cookies.secureCookies });
}

export function readProofCookie(req: FastifyRequest, cookies: CookiePolicy): string | undefined {
  const value = req.cookies[proofCookieName(cookies)];
  return value === undefined || value === '' || value.length > 128 ? undefined : value;
}
