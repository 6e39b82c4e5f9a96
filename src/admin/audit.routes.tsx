import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@fastify/type-provider-typebox';
import { AUDIT_CSV_COLUMNS, csvLine } from '../audit/audit-csv.js';
import { parseAuditFilter, type FilterInput } from '../audit/audit-filter.js';
import type { AuditLog } from '../audit/audit.repo.js';
import type { AuditSearchRepo } from '../audit/audit-search.repo.js';
import type { Clock } from '../core/clock.js';
import { decodeCursor, encodeCursor } from '../core/keyset-cursor.js';
import type { CookiePolicy } from '../sessions/session.plugin.js';
import { adminView } from './admin-view.js';
import { AuditLogPage } from './audit.pages.js';
import { can } from './policy.js';
import { requirePermission, requireStaffPage, signedInStaff } from './staff-session.js';

const PAGE_SIZE = 50;
const Filters = Type.Object({
  event: Type.Optional(Type.String({ maxLength: 200 })),
  actor: Type.Optional(Type.String({ maxLength: 400 })),
  account: Type.Optional(Type.String({ maxLength: 100 })),
  from: Type.Optional(Type.String({ maxLength: 100 })),
  to: Type.Optional(Type.String({ maxLength: 100 })),
});

const valuesOf = (q: FilterInput): FilterInput => ({ event: q.event, actor: q.actor, account: q.account, from: q.from, to: q.to });

/** /admin/audit: every audit entry, filtered, newest first, a page at a time; and the filtered rows as CSV, streamed. */
export function auditRoutes({ auditLog, audit, clock, cookies }: { auditLog: AuditSearchRepo; audit: AuditLog; clock: Clock; cookies: CookiePolicy }): FastifyPluginAsyncTypebox {
  const signedIn = requireStaffPage(cookies);
  return async (app) => {
    app.get('/audit', { preHandler: [signedIn, requirePermission('audit.view')], schema: { querystring: Type.Object({ ...Filters.properties, after: Type.Optional(Type.String({ maxLength: 100 })) }) } }, async (req, reply) => {
      const staff = signedInStaff(req, cookies);
      const values = valuesOf(req.query);
      const parsed = parseAuditFilter(values);
      const cursor = decodeCursor(req.query.after);
      const page = parsed.ok ? await auditLog.page(parsed.filter, cursor, PAGE_SIZE) : { rows: [], next: undefined };
      return reply.page(
        <AuditLogPage
          ctx={adminView(req, reply)}
          values={values}
          problems={parsed.ok ? {} : parsed.problems}
          rows={page.rows}
          nextCursor={page.next === undefined ? undefined : encodeCursor(page.next)}
          paged={cursor !== undefined}
          canExport={can(staff.role, 'audit.export')}
          customerLinks={can(staff.role, 'customers.view')}
        />,
        parsed.ok ? 200 : 400,
      );
    });

    app.get('/audit/export.csv', { preHandler: [signedIn, requirePermission('audit.export')], schema: { querystring: Filters } }, async (req, reply) => {
      const staff = signedInStaff(req, cookies);
      const parsed = parseAuditFilter(valuesOf(req.query));
      if (!parsed.ok) return reply.redirect(`/admin/audit?${new URLSearchParams(valuesOf(req.query) as Record<string, string>).toString()}`);
      await audit.record({ event: 'audit.exported', actor: `staff:${staff.email}`, ip: req.ip, details: { filter: valuesOf(req.query) } });
      async function* lines() {
        yield csvLine(AUDIT_CSV_COLUMNS);
        for await (const batch of auditLog.all(parsed.ok ? parsed.filter : {})) {
          yield batch.map((r) => csvLine([r.at.toISOString(), r.event, r.actor, r.aws_account_id, r.ip, r.reason, JSON.stringify(r.details)])).join('');
        }
      }
      const stamp = clock.now().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="audit-log-${stamp}.csv"`)
        .header('cache-control', 'no-store')
        .send(Readable.from(lines()));
    });
  };
}
