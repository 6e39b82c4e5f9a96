import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CookiePolicy } from '../sessions/session.plugin.js';

/**
 * The link handshake travels in this cookie from the landing page through sign-in, MFA and registration
 * to the link, never in a URL. HttpOnly and short-lived (the handshake's own expiry); `__Host-` (which
 * requires Path=/ and Secure) behind https. SameSite=Lax: set by the landing response to AWS's
 * top-level form post, and sent on every later same-site navigation.
 */
export function linkCookieName(cookies: CookiePolicy): string {
  return cookies.secureCookies ? '__Host-ws_mplink' : 'ws_mplink';
}

export function setLinkCookie(reply: FastifyReply, cookies: CookiePolicy, handshake: string, expiresAt: Date): void {
  reply.setCookie(linkCookieName(cookies), handshake, { path: '/', httpOnly: true, sameSite: 'lax', secure: cookies.secureCookies, expires: expiresAt });
}

export function clearLinkCookie(reply: FastifyReply, cookies: CookiePolicy): void {
  reply.clearCookie(linkCookieName(cookies), { path: '/', httpOnly: true, sameSite: 'lax', secure: cookies.secureCookies });
}

export function readLinkCookie(req: FastifyRequest, cookies: CookiePolicy): string | undefined {
  const value = req.cookies[linkCookieName(cookies)];
  return value === undefined || value === '' || value.length > 512 ? undefined : value;
}
