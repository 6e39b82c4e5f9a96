import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../http/errors.js';
import { safeReturnPath, viewContext } from '../http/page.js';
import type { Services } from '../services.js';
import { clearSessionCookie, startBrowserSession } from './session.plugin.js';
import { SignInPage } from './sign-in.page.js';

const SignInBody = Type.Object({
  accountId: Type.String({ maxLength: 64 }),
  password: Type.String({ maxLength: 1024 }),
  next: Type.Optional(Type.String({ maxLength: 1024 })),
  _csrf: Type.String(),
});

export function signInRoutes(services: Services): FastifyPluginAsyncTypebox {
  const { config } = services;
  return async (app) => {
    app.get('/portal/sign-in', { schema: { querystring: Type.Object({ next: Type.Optional(Type.String({ maxLength: 1024 })), notice: Type.Optional(Type.String({ maxLength: 64 })) }) } }, async (req, reply) => {
      const next = req.query.next === undefined ? undefined : safeReturnPath(req.query.next);
      if (req.portalSession !== undefined) return reply.redirect(next ?? '/portal/entitlements', 303);
      return reply.page(<SignInPage ctx={viewContext(req, reply)} next={next} />);
    });

    app.post('/portal/sign-in', { schema: { body: SignInBody } }, async (req, reply) => {
      const { accountId, password, next } = req.body;
      try {
        const result = await services.signIn.signIn({ accountId, password }, { ip: req.ip, userAgent: req.headers['user-agent'] ?? '' });
        await startBrowserSession(req, reply, services, result);
        return await reply.redirect(safeReturnPath(next), 303);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        const page = <SignInPage ctx={viewContext(req, reply)} accountId={accountId} next={next === undefined ? undefined : safeReturnPath(next)} error={error.message} fieldErrors={error.fields} />;
        return reply.page(page, error.status);
      }
    });

    app.post('/portal/sign-out', { schema: { body: Type.Object({ _csrf: Type.String() }) } }, async (req, reply) => {
      const session = req.portalSession;
      if (session !== undefined && req.portalSessionToken !== undefined) {
        await services.signIn.signOut(req.portalSessionToken, session.awsAccountId, { ip: req.ip, userAgent: req.headers['user-agent'] ?? '' });
      }
      clearSessionCookie(reply, config);
      return reply.redirect('/portal/sign-in?notice=signed-out', 303);
    });
  };
}
