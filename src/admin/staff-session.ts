import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';
import type { StaffRole } from '../db/schema.js';
import { requireStaff, type StaffSessionResolver } from '../http/staff-context.js';
import type { CookiePolicy } from '../sessions/session.plugin.js';
import { can, isStaffRole, type StaffAction } from './policy.js';
import { staffSessionCookieName } from './staff-cookies.js';
import type { StaffSignInService } from './staff-sign-in.service.js';

/** The signed-in staff member of an admin request, with the raw token of their session (to end it). */
export interface SignedInStaff {
  staffId: string;
  email: string;
  role: StaffRole;
  token: string;
}

/** Reads the admin panel's own session cookie; a customer's cookie is not even looked at. */
export function staffSessionResolver(deps: { cookies: CookiePolicy; signIn: Pick<StaffSignInService, 'validate'> }): StaffSessionResolver {
  const name = staffSessionCookieName(deps.cookies);
  return async (req) => {
    const token = req.cookies[name];
    if (token === undefined || token === '' || token.length > 128) return undefined;
    const session = await deps.signIn.validate(token, { ip: req.ip });
    return session === undefined ? undefined : { staffId: session.staffId, email: session.email, role: session.role };
  };
}

/** Only for routes behind requireStaffPage: the staff member and their token. */
export function signedInStaff(req: FastifyRequest, cookies: CookiePolicy): SignedInStaff {
  const session = req.staffSession;
  const token = req.cookies[staffSessionCookieName(cookies)];
  if (session === undefined || token === undefined || !isStaffRole(session.role)) throw new AppError('not_signed_in', 'Your session has ended. Please sign in to the admin panel again.', 401);
  return { staffId: session.staffId, email: session.email, role: session.role, token };
}

/**
 * preHandler for admin pages: a signed-out visitor is sent to sign in (brought back after, for a page);
 * a cookie that no longer opens a session (idle, expired, signed out elsewhere) says so.
 */
export function requireStaffPage(cookies: CookiePolicy) {
  const name = staffSessionCookieName(cookies);
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (req.staffSession !== undefined) return;
    const params = new URLSearchParams();
    if (req.cookies[name] !== undefined) params.set('notice', 'session-ended');
    if (req.method === 'GET') params.set('next', req.url);
    const query = params.toString();
    await reply.redirect(`/admin/sign-in${query === '' ? '' : `?${query}`}`, 303);
  };
}

/** preHandler: the signed-in staff member's role must allow `action` (the policy decides); else a 403 page. */
export function requirePermission(action: StaffAction) {
  return async (req: FastifyRequest): Promise<void> => {
    await requireStaff(req);
    const role = req.staffSession?.role;
    if (!isStaffRole(role) || !can(role, action)) throw new AppError('forbidden', 'Your role does not allow this. Ask an admin if you need it.', 403);
  };
}
