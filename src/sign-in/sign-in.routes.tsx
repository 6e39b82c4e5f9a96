import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { clientOf } from '../http/client.js';
import { AppError } from '../core/errors.js';
import { safeReturnPath, viewContext } from '../http/page.js';
import { challengeCookieName, clearChallengeCookie, clearSessionCookie, deviceCookieName, setChallengeCookie, startBrowserSession, type BrowserSessions } from '../sessions/session.plugin.js';
import { SignInPage } from './sign-in.page.js';
import { CHALLENGE_LAPSED, type SignInService } from './sign-in.service.js';
import { codeSentMessage } from '../mfa/code-messages.js';
import { VerifyPage } from './verify.page.js';

const SignInBody = Type.Object({
  accountId: Type.String({ maxLength: 64 }),
  password: Type.String({ maxLength: 1024 }),
  next: Type.Optional(Type.String({ maxLength: 1024 })),
  _csrf: Type.String(),
});

export interface SignInRouteDeps {
  signIn: SignInService;
  browser: BrowserSessions;
}

export function signInRoutes({ signIn, browser }: SignInRouteDeps): FastifyPluginAsyncTypebox {
  const { cookies } = browser;
  const challengeToken = (req: FastifyRequest) => req.cookies[challengeCookieName(cookies)];

  /** The second step has lapsed (or never began): back to the password, saying why. */
  async function startOver(req: FastifyRequest, reply: FastifyReply) {
    clearChallengeCookie(reply, cookies);
    return reply.code(401).page(<SignInPage ctx={viewContext(req, reply)} error={CHALLENGE_LAPSED} />, 401);
  }

  return async (app) => {
    app.get('/portal/sign-in', { schema: { querystring: Type.Object({ next: Type.Optional(Type.String({ maxLength: 1024 })), notice: Type.Optional(Type.String({ maxLength: 64 })) }) } }, async (req, reply) => {
      const next = req.query.next === undefined ? undefined : safeReturnPath(req.query.next);
      if (req.portalSession !== undefined) return reply.redirect(next ?? '/portal/entitlements', 303);
      return reply.page(<SignInPage ctx={viewContext(req, reply)} next={next} />);
    });

    app.post('/portal/sign-in', { schema: { body: SignInBody } }, async (req, reply) => {
      const { accountId, password, next } = req.body;
      try {
        const returnPath = next === undefined ? null : safeReturnPath(next);
        const deviceId = browser.knownDevices.read(req.cookies[deviceCookieName(cookies)]);
        const outcome = await signIn.signIn({ accountId, password, returnPath }, clientOf(req), deviceId);
        if (outcome.kind === 'challenge') {
          setChallengeCookie(reply, cookies, outcome.token, outcome.expiresAt);
          // A code emailed under a minute ago is not replaced: it is still the one to use.
          return await reply.redirect(outcome.codeSent?.sent === false ? '/portal/sign-in/verify?notice=code-recent' : '/portal/sign-in/verify', 303);
        }
        await startBrowserSession(req, reply, browser, outcome);
        return await reply.redirect(returnPath ?? '/portal/entitlements', 303);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        const page = <SignInPage ctx={viewContext(req, reply)} accountId={accountId} next={next === undefined ? undefined : safeReturnPath(next)} error={error.message} fieldErrors={error.fields} />;
        return reply.page(page, error.status);
      }
    });

    app.get('/portal/sign-in/verify', async (req, reply) => {
      const token = challengeToken(req);
      const pending = token === undefined ? undefined : await signIn.pendingSignIn(token);
      if (pending === undefined) return startOver(req, reply);
      return reply.page(<VerifyPage ctx={viewContext(req, reply)} pending={pending} />);
    });

    app.post('/portal/sign-in/verify', { schema: { body: Type.Object({ code: Type.String({ maxLength: 64 }), _csrf: Type.String() }) } }, async (req, reply) => {
      const token = challengeToken(req);
      if (token === undefined) return startOver(req, reply);
      const result = await signIn.completeSecondStep(token, req.body.code, clientOf(req));
      if (result.ok) {
        await startBrowserSession(req, reply, browser, result);
        // Checked again on the way out: the stored path came from an earlier request.
        return reply.redirect(safeReturnPath(result.returnPath), 303);
      }
      const { pending } = result;
      if (pending === undefined) return startOver(req, reply);
      return reply.page(<VerifyPage ctx={viewContext(req, reply)} pending={pending} error={result.message} />, result.locked === true ? 429 : 401);
    });

    app.post('/portal/sign-in/verify/resend', { schema: { body: Type.Object({ _csrf: Type.String() }) } }, async (req, reply) => {
      const token = challengeToken(req);
      const pending = token === undefined ? undefined : await signIn.pendingSignIn(token);
      if (pending === undefined) return startOver(req, reply);
      const sent = await signIn.resendCode(pending);
      return reply.page(<VerifyPage ctx={viewContext(req, reply)} pending={pending} info={codeSentMessage(sent)} />, sent?.sent === false ? 429 : 200);
    });

    app.post('/portal/sign-out', { schema: { body: Type.Object({ _csrf: Type.String() }) } }, async (req, reply) => {
      const session = req.portalSession;
      if (session !== undefined && req.portalSessionToken !== undefined) {
        await signIn.signOut(req.portalSessionToken, session.awsAccountId, clientOf(req));
      }
      clearSessionCookie(reply, cookies);
      return reply.redirect('/portal/sign-in?notice=signed-out', 303);
    });
  };
}
