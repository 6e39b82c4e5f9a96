import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { normaliseAccountId } from '../core/account-id.js';
import { AppError } from '../core/errors.js';
import { decodeCursor, encodeCursor, type KeysetCursor } from '../core/keyset-cursor.js';
import type { MarketplaceNotificationStatus } from '../db/schema.js';
import type { NotificationService } from '../marketplace/notification.service.js';
import type { NotificationFilter } from '../marketplace/notification-search.repo.js';
import type { CookiePolicy } from '../sessions/session.plugin.js';
import { adminView } from './admin-view.js';
import { NOTIFICATION_STATUSES, NotificationPage, NotificationsPage, SubscriptionsPage, type NotificationFilterForm } from './marketplace-admin.pages.js';
import { can } from './policy.js';
import { requirePermission, requireStaffPage, signedInStaff } from './staff-session.js';

const PAGE_SIZE = 50;
const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' }) });
const After = Type.Optional(Type.String({ maxLength: 80 }));
const Notice = Type.Optional(Type.String({ maxLength: 64 }));

export interface MarketplaceAdminDeps {
  notifications: Pick<NotificationService, 'search' | 'find' | 'types' | 'subscriptions' | 'reprocess'>;
  cookies: CookiePolicy;
}

/** A link to the next page keeping the filters. */
function pageHref(path: string, params: Record<string, string>, next: KeysetCursor | undefined): string | undefined {
  if (next === undefined) return undefined;
  const query = new URLSearchParams({ ...Object.fromEntries(Object.entries(params).filter(([, v]) => v !== '')), after: encodeCursor(next) });
  return `${path}?${query.toString()}`;
}

function firstHref(path: string, params: Record<string, string>): string {
  const query = new URLSearchParams(Object.fromEntries(Object.entries(params).filter(([, v]) => v !== '')));
  return query.size === 0 ? path : `${path}?${query.toString()}`;
}

/** /admin/marketplace: subscriptions and every notification received (every role); re-processing a failed one (admins). */
export function marketplaceAdminRoutes({ notifications, cookies }: MarketplaceAdminDeps): FastifyPluginAsyncTypebox {
  const signedIn = requireStaffPage(cookies);
  const view = [signedIn, requirePermission('marketplace.view')];

  async function notificationPage(req: FastifyRequest, reply: FastifyReply, id: string, problem?: string, status = 200) {
    const n = await notifications.find(id);
    if (n === undefined) throw new AppError('not_found', 'There is no such notification.', 404);
    const canReprocess = can(signedInStaff(req, cookies).role, 'marketplace.reprocess');
    return reply.page(<NotificationPage ctx={adminView(req, reply)} n={n} canReprocess={canReprocess} problem={problem} />, status);
  }

  return async (app) => {
    app.get('/marketplace', { preHandler: view, schema: { querystring: Type.Object({ after: After, notice: Notice }) } }, async (req, reply) => {
      const after = decodeCursor(req.query.after);
      const { rows, next } = await notifications.subscriptions(after, PAGE_SIZE);
      return reply.page(<SubscriptionsPage ctx={adminView(req, reply)} rows={rows} firstHref={after === undefined ? undefined : '/admin/marketplace'} nextHref={pageHref('/admin/marketplace', {}, next)} />);
    });

    app.get(
      '/marketplace/notifications',
      { preHandler: view, schema: { querystring: Type.Object({ status: Type.Optional(Type.String({ maxLength: 20 })), type: Type.Optional(Type.String({ maxLength: 100 })), account: Type.Optional(Type.String({ maxLength: 32 })), after: After, notice: Notice }) } },
      async (req, reply) => {
        const form: NotificationFilterForm = { status: req.query.status ?? '', type: req.query.type ?? '', account: req.query.account ?? '' };
        const errors: Record<string, string[]> = {};
        const filter: NotificationFilter = {};
        if ((NOTIFICATION_STATUSES as readonly string[]).includes(form.status)) filter.status = form.status as MarketplaceNotificationStatus;
        else form.status = '';
        if (form.type !== '') filter.type = form.type;
        if (form.account.trim() !== '') {
          const id = normaliseAccountId(form.account);
          if (id.ok) filter.awsAccountId = id.accountId;
          else errors.account = [id.message];
        }
        const after = decodeCursor(req.query.after);
        const [page, types] = await Promise.all([errors.account === undefined ? notifications.search(filter, after, PAGE_SIZE) : { rows: [], next: undefined }, notifications.types()]);
        const params = { status: form.status, type: form.type, account: filter.awsAccountId ?? form.account };
        return reply.page(
          <NotificationsPage
            ctx={adminView(req, reply)}
            rows={page.rows}
            types={types}
            filter={form}
            errors={errors}
            firstHref={after === undefined ? undefined : firstHref('/admin/marketplace/notifications', params)}
            nextHref={pageHref('/admin/marketplace/notifications', params, page.next)}
          />,
          errors.account === undefined ? 200 : 400,
        );
      },
    );

    app.get('/marketplace/notifications/:id', { preHandler: view, schema: { params: IdParams, querystring: Type.Object({ notice: Notice }) } }, async (req, reply) => notificationPage(req, reply, req.params.id));

    app.post('/marketplace/notifications/:id/reprocess', { preHandler: [signedIn, requirePermission('marketplace.reprocess')], schema: { params: IdParams, body: Type.Object({ _csrf: Type.String() }) } }, async (req, reply) => {
      const { id } = req.params;
      const me = signedInStaff(req, cookies);
      try {
        await notifications.reprocess(id, { actor: `staff:${me.email}`, ip: req.ip });
      } catch (error) {
        if (!(error instanceof AppError) || error.status >= 500) throw error;
        return notificationPage(req, reply, id, error.message, error.status);
      }
      return reply.redirect(`/admin/marketplace/notifications/${id}?notice=notification-reprocessed`, 303);
    });
  };
}
