import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';
import { clientOf } from '../http/client.js';
import type { CookiePolicy } from '../sessions/session.plugin.js';
import { adminView } from './admin-view.js';
import { can } from './policy.js';
import { formOf, type SettingsAdmin, type SettingsForm } from './settings-admin.service.js';
import { SettingsPage } from './settings.pages.js';
import { requirePermission, requireStaffPage, signedInStaff } from './staff-session.js';
import type { StaffSignInService } from './staff-sign-in.service.js';

const Number13 = Type.String({ maxLength: 13 });
const Switch = Type.Optional(Type.Literal('on'));
const SettingsBody = Type.Object({
  sessionDuration: Number13,
  sessionDurationUnit: Type.Union([Type.Literal('minutes'), Type.Literal('hours'), Type.Literal('days')]),
  verifyNewDevices: Switch,
  mfaRequiredForCustomers: Switch,
  registrationRequiresProof: Switch,
  trialsEnabled: Switch,
  trialDays: Number13,
  trialSeats: Number13,
  graceHours: Number13,
  heartbeatMinutes: Number13,
  staleMinutes: Number13,
  deactivationsPerDay: Number13,
  confirmPassword: Type.String({ maxLength: 1024 }),
  _csrf: Type.String(),
});

/** /admin/settings: every role reads; admins change, with their password re-entered (each change audited). */
export function settingsRoutes({ settings, signIn, cookies }: { settings: SettingsAdmin; signIn: Pick<StaffSignInService, 'confirmPassword'>; cookies: CookiePolicy }): FastifyPluginAsyncTypebox {
  const signedIn = requireStaffPage(cookies);

  async function page(req: FastifyRequest, reply: FastifyReply, posted?: SettingsForm, problem?: { message: string; fields: Record<string, string[]> }, status = 200) {
    const current = await settings.current();
    const canChange = can(signedInStaff(req, cookies).role, 'settings.change');
    return reply.page(<SettingsPage ctx={adminView(req, reply)} settings={current} canChange={canChange} form={posted ?? formOf(current)} problem={problem} />, status);
  }

  return async (app) => {
    app.get('/settings', { preHandler: [signedIn, requirePermission('settings.view')] }, async (req, reply) => page(req, reply));

    app.post('/settings', { preHandler: [signedIn, requirePermission('settings.change')], schema: { body: SettingsBody } }, async (req, reply) => {
      const { confirmPassword, ...form } = req.body;
      const me = signedInStaff(req, cookies);
      const check = await signIn.confirmPassword(me.staffId, confirmPassword, clientOf(req));
      if (!check.ok) return page(req, reply, form, { message: check.message, fields: { confirmPassword: [check.message] } }, check.status);
      try {
        const changes = await settings.save(form, { actor: `staff:${me.email}`, ip: req.ip });
        return await reply.redirect(`/admin/settings?notice=${changes.length === 0 ? 'settings-unchanged' : 'settings-saved'}`, 303);
      } catch (error) {
        if (!(error instanceof AppError) || error.status >= 500) throw error;
        return page(req, reply, form, { message: error.message, fields: error.fields }, error.status);
      }
    });
  };
}
