import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AuditLog } from '../audit/audit.repo.js';
import { AppError } from '../core/errors.js';
import { decodeCursor, encodeCursor } from '../core/keyset-cursor.js';
import type { Mailer } from '../mail/mailer.js';
import type { CookiePolicy } from '../sessions/session.plugin.js';
import { adminView } from './admin-view.js';
import { OutboxListPage, OutboxMessagePage } from './outbox.pages.js';
import { requirePermission, requireStaffPage, signedInStaff } from './staff-session.js';

const PAGE_SIZE = 50;

/** /admin/outbox (admins only: the bodies hold customers' reset and sign-in links); each body read is audited. */
export function outboxRoutes({ mailer, audit, cookies }: { mailer: Pick<Mailer, 'listPage' | 'readMessage'>; audit: AuditLog; cookies: CookiePolicy }): FastifyPluginAsyncTypebox {
  const view = [requireStaffPage(cookies), requirePermission('outbox.view')];
  return async (app) => {
    app.get('/outbox', { preHandler: view, schema: { querystring: Type.Object({ after: Type.Optional(Type.String({ maxLength: 80 })), notice: Type.Optional(Type.String({ maxLength: 64 })) }) } }, async (req, reply) => {
      const after = decodeCursor(req.query.after);
      const { messages, next } = await mailer.listPage({ after, limit: PAGE_SIZE });
      const nextHref = next === undefined ? undefined : `/admin/outbox?after=${encodeURIComponent(encodeCursor(next))}`;
      return reply.page(<OutboxListPage ctx={adminView(req, reply)} messages={messages} nextHref={nextHref} firstHref={after === undefined ? undefined : '/admin/outbox'} />);
    });

    app.get('/outbox/:id', { preHandler: view, schema: { params: Type.Object({ id: Type.String({ pattern: '^[0-9]{1,15}$' }) }) } }, async (req, reply) => {
      const message = await mailer.readMessage(req.params.id);
      if (message === undefined) throw new AppError('not_found', 'There is no such email in the outbox (rows are kept 30 days).', 404);
      if (message.text !== undefined) {
        const me = signedInStaff(req, cookies);
        await audit.record({ event: 'outbox.body_viewed', actor: `staff:${me.email}`, ip: req.ip, details: { outboxId: message.id, to: message.to, template: message.template } });
      }
      // The body holds live links: never cached, anywhere.
      void reply.header('cache-control', 'no-store');
      return reply.page(<OutboxMessagePage ctx={adminView(req, reply)} message={message} />);
    });
  };
}
