import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { clientOf } from '../http/client.js';
import { AppError } from '../core/errors.js';
import { viewContext } from '../http/page.js';
import { clearSessionCookie, startBrowserSession, type BrowserSessions } from '../sessions/session.plugin.js';
import type { PasswordResetService } from './password-reset.service.js';
import type { RegistrationService } from './registration.service.js';
import { ForgotPasswordPage, InvalidLinkPage, RegisterPage, ResetPasswordPage, VerifyEmailPage } from './account.pages.js';

const Csrf = { _csrf: Type.String() };
const TokenQuery = Type.Object({ token: Type.Optional(Type.String({ maxLength: 128 })) });
/**
 * Registration posts per source address per minute, counted in PostgreSQL across processes: generous for
 * people, a ceiling for scripts (refusals are also throttled per AWS account ID in registration.service).
 */
const REGISTRATIONS_PER_MINUTE = 30;

const DEAD_RESET_LINK = {
  message: 'This password reset link is invalid, has expired or has already been used. Reset links work once and expire after 45 minutes.',
  action: { href: '/portal/forgot-password', label: 'Ask for a new link' },
};
const DEAD_VERIFY_LINK = {
  message: 'This verification link is invalid, has expired or has already been used.',
  action: { href: '/portal/entitlements', label: 'Go to My Entitlements' },
};

/** The page for a link that no longer works: says why, and offers the way forward. */
function invalidLink(req: FastifyRequest, reply: FastifyReply, link: typeof DEAD_RESET_LINK) {
  return reply.page(<InvalidLinkPage ctx={viewContext(req, reply)} title="Link not valid" message={link.message} action={link.action} />, 400);
}

export interface AccountRouteDeps {
  registration: RegistrationService;
  passwordReset: PasswordResetService;
  browser: BrowserSessions;
}

export function accountRoutes({ registration, passwordReset, browser }: AccountRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/portal/register', async (req, reply) => {
      if (req.portalSession !== undefined) return reply.redirect('/portal/entitlements', 303);
      return reply.page(<RegisterPage ctx={viewContext(req, reply)} proofRequired={await registration.proofRequired()} />);
    });

    app.post(
      '/portal/register',
      { config: { rateLimit: { max: REGISTRATIONS_PER_MINUTE, timeWindow: 60_000 } }, schema: { body: Type.Object({ accountId: Type.String({ maxLength: 64 }), email: Type.String({ maxLength: 320 }), password: Type.String({ maxLength: 1024 }), passwordConfirm: Type.String({ maxLength: 1024 }), ...Csrf }) } },
      async (req, reply) => {
        const { accountId, email } = req.body;
        try {
          const result = await registration.register(req.body, clientOf(req));
          await startBrowserSession(req, reply, browser, result);
          return await reply.redirect('/portal/entitlements?notice=welcome', 303);
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          const proofRequired = error.code === 'proof_required';
          return reply.page(<RegisterPage ctx={viewContext(req, reply)} values={{ accountId, email }} error={proofRequired ? 'A portal account cannot be created here without a proof of the AWS account.' : error.message} fieldErrors={error.fields} proofRequired={proofRequired} />, error.status);
        }
      },
    );

    app.get('/portal/forgot-password', async (req, reply) => reply.page(<ForgotPasswordPage ctx={viewContext(req, reply)} />));

    app.post('/portal/forgot-password', { schema: { body: Type.Object({ accountId: Type.String({ maxLength: 64 }), ...Csrf }) } }, async (req, reply) => {
      try {
        await passwordReset.requestReset(req.body.accountId, clientOf(req));
        return await reply.redirect('/portal/sign-in?notice=reset-requested', 303);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        return reply.page(<ForgotPasswordPage ctx={viewContext(req, reply)} accountId={req.body.accountId} error={error.message} fieldErrors={error.fields} />, error.status);
      }
    });

    app.get('/portal/reset-password', { schema: { querystring: TokenQuery } }, async (req, reply) => {
      const token = req.query.token ?? '';
      if (!(await passwordReset.checkResetToken(token))) return invalidLink(req, reply, DEAD_RESET_LINK);
      return reply.page(<ResetPasswordPage ctx={viewContext(req, reply)} token={token} />);
    });

    app.post(
      '/portal/reset-password',
      { schema: { body: Type.Object({ token: Type.String({ maxLength: 128 }), password: Type.String({ maxLength: 1024 }), passwordConfirm: Type.String({ maxLength: 1024 }), ...Csrf }) } },
      async (req, reply) => {
        try {
          await passwordReset.completeReset(req.body, clientOf(req));
          // The reset ended every session, this browser's included.
          clearSessionCookie(reply, browser.cookies);
          return await reply.redirect('/portal/sign-in?notice=password-reset', 303);
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          if (error.code === 'reset_link_invalid') return invalidLink(req, reply, DEAD_RESET_LINK);
          return reply.page(<ResetPasswordPage ctx={viewContext(req, reply)} token={req.body.token} error={error.message} fieldErrors={error.fields} />, error.status);
        }
      },
    );

    app.get('/portal/verify-email', { schema: { querystring: TokenQuery } }, async (req, reply) => {
      const token = req.query.token ?? '';
      const pending = await registration.checkEmailVerification(token);
      if (pending === undefined) return invalidLink(req, reply, DEAD_VERIFY_LINK);
      return reply.page(<VerifyEmailPage ctx={viewContext(req, reply)} token={token} email={pending.email} />);
    });

    app.post('/portal/verify-email', { schema: { body: Type.Object({ token: Type.String({ maxLength: 128 }), ...Csrf }) } }, async (req, reply) => {
      if (!(await registration.confirmEmailVerification(req.body.token, clientOf(req)))) return invalidLink(req, reply, DEAD_VERIFY_LINK);
      return reply.redirect(req.portalSession ? '/portal/entitlements?notice=email-verified' : '/portal/sign-in?notice=email-verified', 303);
    });
  };
}
