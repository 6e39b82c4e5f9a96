import { formatAccountId } from '../core/account-id.js';
import type { AuditRow } from '../audit/audit-search.repo.js';
import type { FilterInput } from '../audit/audit-filter.js';
import { AdminLayout, type AdminViewContext } from '../web/admin-layout.js';
import { ErrorSummary, Field } from '../web/forms.js';
import { TableHead } from '../web/table-head.js';
import { EmptyState, Pager } from './admin-table.js';

const COLUMNS = ['Time (UTC)', 'Event', 'Actor', 'Account', 'Address', 'Reason', 'Details'] as const;

/** Details as compact JSON, cut short in the table (the export has them whole). */
function detailsText(details: Record<string, unknown>): string {
  const text = JSON.stringify(details);
  if (text === '{}') return '';
  return text.length > 160 ? `${text.slice(0, 159)}…` : text;
}

const query = (values: FilterInput, extra: Record<string, string> = {}) => {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...values, ...extra })) if (typeof value === 'string' && value.trim() !== '') params.set(key, value.trim());
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
};

export interface AuditPageProps {
  ctx: AdminViewContext;
  values: FilterInput;
  problems: Partial<Record<keyof FilterInput, string>>;
  rows: AuditRow[];
  nextCursor: string | undefined;
  /** A page other than the first is showing (offer the way back to the newest). */
  paged: boolean;
  canExport: boolean;
  customerLinks: boolean;
}

/** The audit log: filters (a GET form: the URL is the search, so it can be shared and bookmarked), newest first, a page at a time. */
export function AuditLogPage({ ctx, values, problems, rows, nextCursor, paged, canExport, customerLinks }: AuditPageProps) {
  const invalid = Object.keys(problems).length > 0;
  const field = (name: keyof FilterInput) => (problems[name] === undefined ? undefined : [problems[name]]);
  return (
    <AdminLayout title="Audit log" ctx={ctx}>
      <div class="page-head">
        <h1>Audit log</h1>
      </div>
      <ErrorSummary message={invalid ? 'Some filters need fixing: the log below is not filtered until they do.' : undefined} />
      <form method="get" action="/admin/audit" class="filters" role="search" aria-label="Filter the audit log">
        <Field name="event" label="Event" value={values.event ?? ''} required={false} errors={field('event')} hint="licence.transition, or licence. for all" maxLength={64} autofocus={problems.event !== undefined} />
        <Field name="actor" label="Actor" value={values.actor ?? ''} required={false} errors={field('actor')} hint="account, staff, instance, system, cli, or one: staff:ann@example.com" maxLength={320} autofocus={problems.event === undefined && problems.actor !== undefined} />
        <Field name="account" label="AWS account ID" value={values.account ?? ''} required={false} errors={field('account')} hint="Any form: 1234-5678-9012" maxLength={32} autofocus={problems.event === undefined && problems.actor === undefined && problems.account !== undefined} />
        <Field name="from" label="From" value={values.from ?? ''} required={false} errors={field('from')} hint="2026-12-01, or a time" maxLength={40} />
        <Field name="to" label="Until (not included)" value={values.to ?? ''} required={false} errors={field('to')} hint="2026-12-31, or a time" maxLength={40} />
        <div class="filter-actions">
          <button type="submit">Filter</button>
          <a href="/admin/audit">Clear the filters</a>
          {canExport && !invalid ? (
            <a class="button secondary" href={`/admin/audit/export.csv${query(values)}`} download>
              Export these entries as CSV
            </a>
          ) : null}
        </div>
      </form>
      {rows.length === 0 ? (
        <EmptyState title="No entries">{invalid ? 'Fix the filters above to see entries.' : 'No audit entries match these filters.'}</EmptyState>
      ) : (
        <div class="table-wrap">
          <table class="audit dense">
            <caption class="visually-hidden">Audit entries, newest first</caption>
            <TableHead columns={COLUMNS} />
            <tbody>
              {rows.map((r) => (
                <tr key={r.id}>
                  <td data-label={COLUMNS[0]}>
                    <time dateTime={r.at.toISOString()}>{r.at.toISOString().slice(0, 19).replace('T', ' ')}</time>
                  </td>
                  <td data-label={COLUMNS[1]}>
                    <a href={`/admin/audit${query({ event: r.event })}`}>{r.event}</a>
                  </td>
                  <td data-label={COLUMNS[2]}>{r.actor}</td>
                  <td data-label={COLUMNS[3]}>{r.aws_account_id === null ? '' : customerLinks ? <a href={`/admin/customers/${r.aws_account_id}`}>{formatAccountId(r.aws_account_id)}</a> : formatAccountId(r.aws_account_id)}</td>
                  <td data-label={COLUMNS[4]}>{r.ip ?? ''}</td>
                  <td data-label={COLUMNS[5]}>{r.reason ?? ''}</td>
                  <td data-label={COLUMNS[6]}>
                    <code>{detailsText(r.details)}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager label="Audit log pages" firstHref={paged ? `/admin/audit${query(values)}` : undefined} nextHref={nextCursor === undefined ? undefined : `/admin/audit${query(values, { after: nextCursor })}`} />
    </AdminLayout>
  );
}
