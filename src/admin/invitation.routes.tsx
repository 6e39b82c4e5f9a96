import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { clientOf } from '../http/client.js';
import { adminView } from './admin-view.js';
import { InvitationPage, LinkProblemPage } from './invitation.pages.js';
import type { LinkProblem, OpenInvitation, StaffService } from './staff.service.js';

const Token = Type.String({ maxLength: 128 });

/** What a link that does not open answers: a clear page, 410 once used or expired. */
const PROBLEM_STATUS: Record<LinkProblem, number> = { unknown: 404, used: 410, expired: 410 };

/** /admin/invitation?token=…: the single-use link of an invitation or a TOTP reset. */
export function invitationRoutes({ staff }: { staff: StaffService }): FastifyPluginAsyncTypebox {
  async function page(req: FastifyRequest, reply: FastifyReply, token: string, invitation: OpenInvitation, problem?: { message: string; fields: Record<string, string[]>; status: number }) {
    const qrSvg = await QRCode.toString(invitation.uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    return reply.page(<InvitationPage ctx={adminView(req, reply)} token={token} invitation={invitation} qrSvg={qrSvg} error={problem?.message} fields={problem?.fields} />, problem?.status ?? 200);
  }

  return async (app) => {
    app.get('/invitation', { schema: { querystring: Type.Object({ token: Type.Optional(Token) }) } }, async (req, reply) => {
      const opened = req.query.token === undefined ? ({ ok: false, problem: 'unknown' } as const) : await staff.invitationPage(req.query.token);
      if (!opened.ok) return reply.page(<LinkProblemPage ctx={adminView(req, reply)} problem={opened.problem} />, PROBLEM_STATUS[opened.problem]);
      return page(req, reply, req.query.token ?? '', opened.invitation);
    });

    app.post(
      '/invitation',
      {
        schema: {
          body: Type.Object({
            token: Token,
            password: Type.String({ maxLength: 1024 }),
            passwordConfirm: Type.Optional(Type.String({ maxLength: 1024 })),
            username: Type.Optional(Type.String({ maxLength: 254 })),
            code: Type.String({ maxLength: 64 }),
            _csrf: Type.String(),
          }),
        },
      },
      async (req, reply) => {
        const { token, password, passwordConfirm, code } = req.body;
        const result = await staff.acceptInvitation(token, { password, passwordConfirm, code }, clientOf(req));
        if (result.ok) return reply.redirect('/admin/sign-in?notice=enrolled', 303);
        if (result.problem !== 'invalid') return reply.page(<LinkProblemPage ctx={adminView(req, reply)} problem={result.problem} />, PROBLEM_STATUS[result.problem]);
        return page(req, reply, token, result.invitation, result);
      },
    );
  };
}
