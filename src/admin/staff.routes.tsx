import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';
import { clientOf } from '../http/client.js';
import type { CookiePolicy } from '../sessions/session.plugin.js';
import { adminView } from './admin-view.js';
import { STAFF_ROLES } from './policy.js';
import { can } from './policy.js';
import { requirePermission, requireStaffPage, signedInStaff, type SignedInStaff } from './staff-session.js';
import type { StaffService } from './staff.service.js';
import type { StaffSignInService } from './staff-sign-in.service.js';
import { StaffListPage, StaffMemberPage, type FormProblem } from './staff.pages.js';

const Role = Type.Union(STAFF_ROLES.map((role) => Type.Literal(role)));
const Confirmed = { confirmPassword: Type.String({ maxLength: 1024 }), _csrf: Type.String() };
const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' }) });

export interface StaffRouteDeps {
  staff: StaffService;
  signIn: Pick<StaffSignInService, 'confirmPassword'>;
  cookies: CookiePolicy;
}

/** /admin/staff: the staff list (every role), invitations (and sending them again), roles, disabling, TOTP and password resets (admins only; each change re-asks the password). */
export function staffRoutes({ staff, signIn, cookies }: StaffRouteDeps): FastifyPluginAsyncTypebox {
  const signedIn = requireStaffPage(cookies);
  const view = [signedIn, requirePermission('staff.view')];
  const manage = [signedIn, requirePermission('staff.manage')];
  // Every role sees the staff; only admins see (and may post) the forms that change them.
  const mayManage = (req: FastifyRequest) => can(signedInStaff(req, cookies).role, 'staff.manage');
  const by = (req: FastifyRequest, me: SignedInStaff) => ({ actor: `staff:${me.email}`, staffId: me.staffId, ip: req.ip });

  async function listPage(req: FastifyRequest, reply: FastifyReply, problem?: FormProblem, status = 200, values?: { email: string; role: (typeof STAFF_ROLES)[number] }) {
    return reply.page(<StaffListPage ctx={adminView(req, reply)} members={await staff.list()} canManage={mayManage(req)} problem={problem} values={values} />, status);
  }

  async function memberPage(req: FastifyRequest, reply: FastifyReply, id: string, problem?: FormProblem, status = 200) {
    const member = await staff.find(id);
    if (member === undefined) throw new AppError('not_found', 'There is no such staff member.', 404);
    const me = signedInStaff(req, cookies);
    return reply.page(<StaffMemberPage ctx={adminView(req, reply)} member={member} self={member.id === me.staffId} canManage={mayManage(req)} problem={problem} />, status);
  }

  /** The password re-entered, then the change; a refusal re-renders the form with its error. */
  async function confirmed(req: FastifyRequest, form: FormProblem['form'], password: string, change: (me: SignedInStaff) => Promise<void>): Promise<{ ok: true } | { ok: false; problem: FormProblem; status: number }> {
    const me = signedInStaff(req, cookies);
    const check = await signIn.confirmPassword(me.staffId, password, clientOf(req));
    if (!check.ok) return { ok: false, problem: { form, message: check.message, fields: { confirmPassword: [check.message] } }, status: check.status };
    try {
      await change(me);
      return { ok: true };
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500 || error.status === 404) throw error;
      return { ok: false, problem: { form, message: error.message, fields: error.fields }, status: error.status };
    }
  }

  return async (app) => {
    app.get('/staff', { preHandler: view }, async (req, reply) => listPage(req, reply));

    app.post('/staff/invite', { preHandler: manage, schema: { body: Type.Object({ email: Type.String({ maxLength: 254 }), role: Role, ...Confirmed }) } }, async (req, reply) => {
      const { email, role, confirmPassword } = req.body;
      const result = await confirmed(req, 'invite', confirmPassword, async (me) => {
        await staff.invite({ email, role }, by(req, me));
      });
      if (!result.ok) return listPage(req, reply, result.problem, result.status, { email, role });
      return reply.redirect('/admin/staff?notice=staff-invited', 303);
    });

    app.get('/staff/:id', { preHandler: view, schema: { params: IdParams } }, async (req, reply) => memberPage(req, reply, req.params.id));

    app.post('/staff/:id/role', { preHandler: manage, schema: { params: IdParams, body: Type.Object({ role: Role, ...Confirmed }) } }, async (req, reply) => {
      const { id } = req.params;
      const result = await confirmed(req, 'role', req.body.confirmPassword, async (me) => {
        await staff.changeRole(id, req.body.role, by(req, me));
      });
      if (!result.ok) return memberPage(req, reply, id, result.problem, result.status);
      return reply.redirect(`/admin/staff/${id}?notice=role-changed`, 303);
    });

    app.post('/staff/:id/disable', { preHandler: manage, schema: { params: IdParams, body: Type.Object(Confirmed) } }, async (req, reply) => {
      const { id } = req.params;
      const result = await confirmed(req, 'disable', req.body.confirmPassword, async (me) => {
        await staff.disable(id, by(req, me));
      });
      if (!result.ok) return memberPage(req, reply, id, result.problem, result.status);
      return reply.redirect(`/admin/staff/${id}?notice=staff-disabled`, 303);
    });

    app.post('/staff/:id/resend-invitation', { preHandler: manage, schema: { params: IdParams, body: Type.Object(Confirmed) } }, async (req, reply) => {
      const { id } = req.params;
      const result = await confirmed(req, 'resend-invitation', req.body.confirmPassword, async (me) => {
        await staff.resendInvitation(id, by(req, me));
      });
      if (!result.ok) return memberPage(req, reply, id, result.problem, result.status);
      return reply.redirect(`/admin/staff/${id}?notice=invitation-resent`, 303);
    });

    app.post('/staff/:id/reset-totp', { preHandler: manage, schema: { params: IdParams, body: Type.Object(Confirmed) } }, async (req, reply) => {
      const { id } = req.params;
      const result = await confirmed(req, 'reset-totp', req.body.confirmPassword, async (me) => {
        await staff.resetTotp(id, by(req, me));
      });
      if (!result.ok) return memberPage(req, reply, id, result.problem, result.status);
      return reply.redirect(`/admin/staff/${id}?notice=totp-reset`, 303);
    });

    app.post('/staff/:id/reset-access', { preHandler: manage, schema: { params: IdParams, body: Type.Object(Confirmed) } }, async (req, reply) => {
      const { id } = req.params;
      const result = await confirmed(req, 'reset-access', req.body.confirmPassword, async (me) => {
        await staff.resetAccess(id, by(req, me));
      });
      if (!result.ok) return memberPage(req, reply, id, result.problem, result.status);
      return reply.redirect(`/admin/staff/${id}?notice=access-reset`, 303);
    });
  };
}
