import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';

/**
 * The link handshake travels in this cookie from the landing page through sign-in, MFA and registration
 * to the link, never in a URL. HttpOnly and short-lived (the handshake's own expiry); `__Host-` (which
 * requires Path=/ and Secure) behind https. SameSite=Lax: set by the landing response to AWS's
 * top-level form post, and sent on every later same-site navigation.
 */
export function linkCookieName(config: Config): string {
  return config.secureCookies ? '__Host-ws_mplink' : 'ws_mplink';
}

export function setLinkCookie(reply: FastifyReply, config: Config, handshake: string, expiresAt: Date): void {
  reply.setCookie(linkCookieName(config), handshake, { path: '/', httpOnly: true, sameSite: 'lax', secure: config.secureCookies, expires: expiresAt });
}

export function clearLinkCookie(reply: FastifyReply, config: Config): void {
  reply.clearCookie(linkCookieName(config), { path: '/', httpOnly: true, sameSite: 'lax', secure: config.secureCookies });
}

export function readLinkCookie(req: FastifyRequest, config: Config): string | undefined {
  const value = req.cookies[linkCookieName(config)];
  return value === undefined || value === '' || value.length > 512 ? undefined : value;
}
