import type { FastifyReply } from 'fastify';
import type { CookiePolicy } from '../sessions/session.plugin.js';

/**
 * The admin panel's own cookies, never the customer's: `__Host-` pins the session cookie to our host over
 * https (browsers refuse the prefix without Secure, so plain http uses a bare name).
 */
export function staffSessionCookieName(cookies: CookiePolicy): string {
  return cookies.secureCookies ? '__Host-ws_admin_session' : 'ws_admin_session';
}

/** The pending TOTP step, scoped to the sign-in pages: `__Secure-` (`__Host-` needs Path=/). */
export function staffChallengeCookieName(cookies: CookiePolicy): string {
  return cookies.secureCookies ? '__Secure-ws_admin_signin' : 'ws_admin_signin';
}

const CHALLENGE_PATH = '/admin/sign-in';

export function setStaffSessionCookie(reply: FastifyReply, cookies: CookiePolicy, token: string, expiresAt: Date): void {
  reply.setCookie(staffSessionCookieName(cookies), token, { path: '/', httpOnly: true, sameSite: 'lax', secure: cookies.secureCookies, expires: expiresAt });
}

export function clearStaffSessionCookie(reply: FastifyReply, cookies: CookiePolicy): void {
  reply.clearCookie(staffSessionCookieName(cookies), { path: '/', httpOnly: true, sameSite: 'lax', secure: cookies.secureCookies });
}

export function setStaffChallengeCookie(reply: FastifyReply, cookies: CookiePolicy, token: string, expiresAt: Date): void {
  reply.setCookie(staffChallengeCookieName(cookies), token, { path: CHALLENGE_PATH, httpOnly: true, sameSite: 'lax', secure: cookies.secureCookies, expires: expiresAt });
}

export function clearStaffChallengeCookie(reply: FastifyReply, cookies: CookiePolicy): void {
  reply.clearCookie(staffChallengeCookieName(cookies), { path: CHALLENGE_PATH, httpOnly: true, sameSite: 'lax', secure: cookies.secureCookies });
}
