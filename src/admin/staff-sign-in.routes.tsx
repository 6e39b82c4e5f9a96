import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';
import { clientOf } from '../http/client.js';
import { safeReturnPath } from '../http/page.js';
import type { CookiePolicy } from '../sessions/session.plugin.js';
import { adminView } from './admin-view.js';
import { clearStaffChallengeCookie, clearStaffSessionCookie, setStaffChallengeCookie, setStaffSessionCookie, staffChallengeCookieName, staffSessionCookieName } from './staff-cookies.js';
import { requireStaffPage, signedInStaff } from './staff-session.js';
import { StaffCodePage, StaffSignInPage } from './staff-sign-in.pages.js';
import { STAFF_CHALLENGE_LAPSED, type StaffSignInService } from './staff-sign-in.service.js';

const ADMIN_HOME = '/admin/';
/** After sign-in, only the admin panel's own pages are followed (never an open redirect, never the portal). */
const adminReturnPath = (next: unknown) => safeReturnPath(next, ADMIN_HOME, ['/admin/']);

const NextQuery = Type.Object({ next: Type.Optional(Type.String({ maxLength: 1024 })), notice: Type.Optional(Type.String({ maxLength: 64 })) });
const CsrfBody = Type.Object({ _csrf: Type.String() });

export interface StaffSignInRouteDeps {
  signIn: StaffSignInService;
  cookies: CookiePolicy;
}

/** /admin/sign-in (password, then the TOTP code), /admin/sign-out and /admin/sign-out-everywhere. */
export function staffSignInRoutes({ signIn, cookies }: StaffSignInRouteDeps): FastifyPluginAsyncTypebox {
  const challengeOf = (req: FastifyRequest) => req.cookies[staffChallengeCookieName(cookies)];
  /** The second step has lapsed (or never began): back to the password, saying why. */
  async function startOver(req: FastifyRequest, reply: FastifyReply) {
    clearStaffChallengeCookie(reply, cookies);
    return reply.page(<StaffSignInPage ctx={adminView(req, reply)} error={STAFF_CHALLENGE_LAPSED} />, 401);
  }

  return async (app) => {
    app.get('/sign-in', { schema: { querystring: NextQuery } }, async (req, reply) => {
      const next = req.query.next === undefined ? undefined : adminReturnPath(req.query.next);
      if (req.staffSession !== undefined) return reply.redirect(next ?? ADMIN_HOME, 303);
      return reply.page(<StaffSignInPage ctx={adminView(req, reply)} next={next} />);
    });

    app.post(
      '/sign-in',
      { schema: { body: Type.Object({ email: Type.String({ maxLength: 254 }), password: Type.String({ maxLength: 1024 }), next: Type.Optional(Type.String({ maxLength: 1024 })), _csrf: Type.String() }) } },
      async (req, reply) => {
        const { email, password, next } = req.body;
        const returnPath = next === undefined ? undefined : adminReturnPath(next);
        try {
          const challenge = await signIn.signIn({ email, password }, clientOf(req));
          setStaffChallengeCookie(reply, cookies, challenge.token, challenge.expiresAt);
          return await reply.redirect(returnPath === undefined || returnPath === ADMIN_HOME ? '/admin/sign-in/code' : `/admin/sign-in/code?next=${encodeURIComponent(returnPath)}`, 303);
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          return reply.page(<StaffSignInPage ctx={adminView(req, reply)} email={email} next={returnPath} error={error.message} />, error.status);
        }
      },
    );

    app.get('/sign-in/code', { schema: { querystring: NextQuery } }, async (req, reply) => {
      const token = challengeOf(req);
      if (token === undefined || (await signIn.pendingSignIn(token)) === undefined) return startOver(req, reply);
      return reply.page(<StaffCodePage ctx={adminView(req, reply)} next={req.query.next === undefined ? undefined : adminReturnPath(req.query.next)} />);
    });

    app.post('/sign-in/code', { schema: { querystring: NextQuery, body: Type.Object({ code: Type.String({ maxLength: 64 }), _csrf: Type.String() }) } }, async (req, reply) => {
      const token = challengeOf(req);
      if (token === undefined) return startOver(req, reply);
      const result = await signIn.completeSignIn(token, req.body.code, clientOf(req));
      if (!result.ok) {
        if (result.lapsed) return startOver(req, reply);
        const next = req.query.next === undefined ? undefined : adminReturnPath(req.query.next);
        return reply.page(<StaffCodePage ctx={adminView(req, reply)} next={next} error={result.message} />, result.locked === true ? 429 : 401);
      }
      // A fresh token at every sign-in: whatever session this browser held before ends.
      const previous = req.cookies[staffSessionCookieName(cookies)];
      if (req.staffSession !== undefined && previous !== undefined) await signIn.signOut(previous, req.staffSession.email, clientOf(req));
      setStaffSessionCookie(reply, cookies, result.token, result.expiresAt);
      clearStaffChallengeCookie(reply, cookies);
      return reply.redirect(adminReturnPath(req.query.next), 303);
    });

    app.post('/sign-out', { schema: { body: CsrfBody } }, async (req, reply) => {
      const token = req.cookies[staffSessionCookieName(cookies)];
      if (req.staffSession !== undefined && token !== undefined) await signIn.signOut(token, req.staffSession.email, clientOf(req));
      clearStaffSessionCookie(reply, cookies);
      return reply.redirect('/admin/sign-in?notice=signed-out', 303);
    });

    app.post('/sign-out-everywhere', { preHandler: requireStaffPage(cookies), schema: { body: CsrfBody } }, async (req, reply) => {
      const staff = signedInStaff(req, cookies);
      await signIn.signOutEverywhere(staff.staffId, staff.email, clientOf(req));
      clearStaffSessionCookie(reply, cookies);
      return reply.redirect('/admin/sign-in?notice=signed-out-everywhere', 303);
    });
  };
}
