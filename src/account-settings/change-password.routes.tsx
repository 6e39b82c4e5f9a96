import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { clientOf } from '../http/client.js';
import { AppError } from '../core/errors.js';
import { viewContext } from '../http/page.js';
import { signedInSession, takeResumePath } from '../sessions/session.plugin.js';
import type { AccountSettingsService } from './account-settings.service.js';
import { ChangePasswordPage } from './change-password.page.js';

/**
 * preHandler for the forced change: a session is required, but unlike requireAccount one that must
 * change its password is let through (requireAccount sends such sessions here).
 */
async function requireSessionAllowingPasswordChange(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (req.portalSession !== undefined) return;
  await reply.redirect('/portal/sign-in', 303);
}

const NewPasswordBody = Type.Object({ newPassword: Type.String({ maxLength: 1024 }), newPasswordConfirm: Type.String({ maxLength: 1024 }), _csrf: Type.String() });

/** `/portal/change-password`: the first thing a customer does after signing in with a one-time password. */
export function changePasswordRoutes({ accountSettings }: { accountSettings: Pick<AccountSettingsService, 'setRequiredPassword'> }): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/portal/change-password', { preHandler: requireSessionAllowingPasswordChange }, async (req, reply) => {
      if (req.portalSession?.mustChangePassword !== true) return reply.redirect('/portal/settings', 303);
      return reply.page(<ChangePasswordPage ctx={viewContext(req, reply)} />);
    });

    app.post('/portal/change-password', { preHandler: requireSessionAllowingPasswordChange, schema: { body: NewPasswordBody } }, async (req, reply) => {
      const session = signedInSession(req);
      if (!session.mustChangePassword) return reply.redirect('/portal/settings', 303);
      try {
        await accountSettings.setRequiredPassword(session, req.body, clientOf(req));
        // On to where the customer was going (a Marketplace link, say), else My Entitlements.
        return await reply.redirect(takeResumePath(req, reply, 'password-set') ?? '/portal/entitlements?notice=password-set', 303);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        if (error.code === 'no_change_needed') return reply.redirect('/portal/settings', 303);
        return reply.page(<ChangePasswordPage ctx={viewContext(req, reply)} error={error.message} fieldErrors={error.fields} />, error.status);
      }
    });
  };
}
