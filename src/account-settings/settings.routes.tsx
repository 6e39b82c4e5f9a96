import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { clientOf } from '../http/client.js';
import { AppError } from '../core/errors.js';
import { viewContext } from '../http/page.js';
import { clearSessionCookie, requireAccount, signedInSession, type CookiePolicy } from '../sessions/session.plugin.js';
import type { AccountSettingsService, CurrentSession } from './account-settings.service.js';
import { changePasswordRoutes } from './change-password.routes.js';
import { SettingsPage, type FailedForm } from './settings.page.js';

const Csrf = { _csrf: Type.String() };
const PasswordBody = Type.Object({ currentPassword: Type.String({ maxLength: 1024 }), newPassword: Type.String({ maxLength: 1024 }), newPasswordConfirm: Type.String({ maxLength: 1024 }), ...Csrf });
const EmailBody = Type.Object({ newEmail: Type.String({ maxLength: 320 }), emailPassword: Type.String({ maxLength: 1024 }), ...Csrf });
/** The session's public id (a uuid); anything else is refused before it reaches the database. */
const SessionParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' }) });

/** `/portal/settings`: MFA, password, contact email and the account's sessions (DESIGN.md §2). */
export interface AccountSettingsRouteDeps {
  accountSettings: AccountSettingsService;
  cookies: CookiePolicy;
}

export function accountSettingsRoutes({ accountSettings: settings, cookies }: AccountSettingsRouteDeps): FastifyPluginAsyncTypebox {

  /** The whole page; after a refused form, that form's section shows why. */
  async function settingsPage(req: FastifyRequest, reply: FastifyReply, failed?: FailedForm, status = 200) {
    const view = await settings.settingsView(signedInSession(req));
    return reply.page(<SettingsPage ctx={viewContext(req, reply)} view={view} failed={failed} />, status);
  }

  /** A form of the page: done, back to Settings with a notice; refused, the page again with that form's errors. */
  async function submitForm(req: FastifyRequest, reply: FastifyReply, form: { name: FailedForm['form']; notice: string; newEmail?: string }, change: (session: CurrentSession) => Promise<void>) {
    const session = signedInSession(req);
    try {
      await change(session);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return settingsPage(req, reply, { form: form.name, error: error.message, fieldErrors: error.fields, newEmail: form.newEmail }, error.status);
    }
    return reply.redirect(`/portal/settings?notice=${form.notice}`, 303);
  }

  return async (app) => {
    await app.register(changePasswordRoutes({ accountSettings: settings }));

    app.get('/portal/settings', { preHandler: requireAccount }, async (req, reply) => settingsPage(req, reply));

    app.post('/portal/settings/password', { preHandler: requireAccount, schema: { body: PasswordBody } }, async (req, reply) =>
      submitForm(req, reply, { name: 'password', notice: 'password-changed' }, (session) => settings.changePassword(session, req.body, clientOf(req))),
    );

    // A refused email change keeps the address typed; a refused password is never echoed back.
    app.post('/portal/settings/email', { preHandler: requireAccount, schema: { body: EmailBody } }, async (req, reply) =>
      submitForm(req, reply, { name: 'email', notice: 'email-change-sent', newEmail: req.body.newEmail }, (session) => settings.requestEmailChange(session, req.body, clientOf(req))),
    );

    app.post('/portal/settings/sessions/end-others', { preHandler: requireAccount }, async (req, reply) => {
      await settings.endOtherSessions(signedInSession(req), clientOf(req));
      return reply.redirect('/portal/settings?notice=sessions-ended', 303);
    });

    app.post('/portal/settings/sessions/:id/end', { preHandler: requireAccount, schema: { params: SessionParams } }, async (req, reply) => {
      const session = signedInSession(req);
      // Only the account's own sessions match: another account's id is "not found", and reveals nothing.
      const result = await settings.endSession(session, req.params.id.toLowerCase(), clientOf(req));
      if (result === 'ended_current') {
        clearSessionCookie(reply, cookies);
        return reply.redirect('/portal/sign-in?notice=signed-out', 303);
      }
      return reply.redirect(`/portal/settings?notice=${result === 'ended' ? 'session-ended' : 'session-not-found'}`, 303);
    });
  };
}
