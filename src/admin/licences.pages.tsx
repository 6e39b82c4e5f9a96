import type { LicenceRow } from '../db/schema.js';
import { LICENCE_SOURCES, LICENCE_STATUSES, type LicenceStatus } from '../licences/licence.lifecycle.js';
import { AdminLayout, type AdminPageContext } from '../web/admin-layout.js';
import { ErrorSummary, Field, PostForm } from '../web/forms.js';
import { TableHead } from '../web/table-head.js';
import { ACCOUNT_ID_HINT } from '../core/account-id.js';
import { Day, EmptyState, Pager } from './admin-table.js';
import { AccountLink, errorsFor, LicenceReason, shortId, SOURCE_LABELS, STATUS_LABELS, StatusBadge, type LicenceFormProblem } from './licence-parts.js';

/** The list's filters as they travel in the query string (also the paging links'). */
export interface LicenceListQuery {
  view: 'all' | 'requests';
  status: LicenceStatus | undefined;
  source: string | undefined;
  plan: string | undefined;
  ending: boolean;
}

export function listHref(query: LicenceListQuery, after?: string): string {
  const params = new URLSearchParams();
  if (query.view === 'requests') params.set('view', 'requests');
  if (query.status !== undefined && query.view !== 'requests') params.set('status', query.status);
  if (query.source !== undefined) params.set('source', query.source);
  if (query.plan !== undefined) params.set('plan', query.plan);
  if (query.ending) params.set('ending', '30');
  if (after !== undefined) params.set('after', after);
  const text = params.toString();
  return `/admin/licences${text === '' ? '' : `?${text}`}`;
}

function Select({ id, name, label, value, options }: { id: string; name: string; label: string; value: string | undefined; options: { value: string; label: string }[] }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} name={name}>
        <option value="">Any</option>
        {options.map((o) => (
          <option key={o.value} value={o.value} selected={o.value === value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

export function LicenceListPage(props: { ctx: AdminPageContext; query: LicenceListQuery; rows: LicenceRow[]; seatsInUse: Map<string, number>; plans: string[]; requested: number; next: string | undefined; paged: boolean; now: Date; canIssue: boolean }) {
  const { ctx, query, rows, seatsInUse, now } = props;
  const requests = query.view === 'requests';
  const columns = requests ? (['Licence', 'Account', 'Plan', 'Seats', 'Requested', 'Requesting instance', 'Note'] as const) : (['Licence', 'Account', 'Plan', 'Seats in use', 'Status', 'Source', 'Ends'] as const);
  const filtered = query.status !== undefined || query.source !== undefined || query.plan !== undefined || query.ending;
  return (
    <AdminLayout title={requests ? 'Licence requests' : 'Licences'} ctx={ctx}>
      <div class="page-head">
        <h1>{requests ? 'Licence requests' : 'Licences'}</h1>
        {props.canIssue ? (
          <a class="button" href="/admin/licences/new">
            Issue a licence
          </a>
        ) : null}
      </div>
      <nav class="tabs" aria-label="Licence lists">
        <a href="/admin/licences" aria-current={requests ? undefined : 'page'}>
          All licences
        </a>
        <a href="/admin/licences?view=requests" aria-current={requests ? 'page' : undefined}>
          Requests <span class={props.requested > 0 ? 'status status-pending' : 'status'}>{props.requested}</span>
        </a>
      </nav>
      <form method="get" action="/admin/licences" class="filters" role="search" aria-label="Filter the licences">
        {requests ? <input type="hidden" name="view" value="requests" /> : <Select id="filter-status" name="status" label="Status" value={query.status} options={LICENCE_STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] }))} />}
        <Select id="filter-source" name="source" label="Source" value={query.source} options={LICENCE_SOURCES.map((s) => ({ value: s, label: SOURCE_LABELS[s] ?? s }))} />
        <Select id="filter-plan" name="plan" label="Plan" value={query.plan} options={props.plans.map((p) => ({ value: p, label: p }))} />
        {requests ? null : (
          <div class="field checkbox">
            <input type="checkbox" id="filter-ending" name="ending" value="30" checked={query.ending} />
            <label for="filter-ending">Ends within 30 days</label>
          </div>
        )}
        <button type="submit">Filter</button>
        {filtered ? <a href={listHref({ view: query.view, status: undefined, source: undefined, plan: undefined, ending: false })}>Clear the filters</a> : null}
      </form>
      {rows.length === 0 ? (
        <EmptyState title={requests ? 'No requests' : 'No licences'}>{requests ? (filtered ? 'No request matches these filters.' : 'No request is waiting for a decision.') : filtered ? 'No licence matches these filters.' : 'No licence yet. Issue one, or wait for a request or a Marketplace subscription.'}</EmptyState>
      ) : (
        <div class="table-wrap">
          <table class="licences">
            <caption class="visually-hidden">{requests ? 'Licence requests waiting for a decision, newest first' : 'Licences, newest first'}</caption>
            <TableHead columns={columns} />
            <tbody>
              {rows.map((l) => (
                <tr key={l.id}>
                  <th scope="row" data-label={columns[0]}>
                    <a class="mono" href={`/admin/licences/${l.id}`}>
                      {shortId(l.id)}
                    </a>
                  </th>
                  <td data-label={columns[1]}>
                    <AccountLink awsAccountId={l.aws_account_id} />
                  </td>
                  <td data-label={columns[2]} class="plan">
                    {l.plan}
                  </td>
                  {requests ? (
                    <>
                      <td data-label={columns[3]}>{l.seats}</td>
                      <td data-label={columns[4]}><Day at={l.created_at} /></td>
                      <td data-label={columns[5]} class="mono">
                        {l.requested_by_instance ?? '—'}
                      </td>
                      <td data-label={columns[6]} class="note">
                        {l.request_note ?? '—'}
                      </td>
                    </>
                  ) : (
                    <>
                      <td data-label={columns[3]}>
                        {seatsInUse.get(l.id) ?? 0} of {l.seats}
                      </td>
                      <td data-label={columns[4]}>
                        <StatusBadge licence={l} now={now} />
                      </td>
                      <td data-label={columns[5]} class="source">
                        {SOURCE_LABELS[l.source] ?? l.source}
                      </td>
                      <td data-label={columns[6]}><Day at={l.ends_at} empty="No end date" /></td>
                    </>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager label={requests ? 'Request pages' : 'Licence pages'} firstHref={props.paged ? listHref(query) : undefined} nextHref={props.next === undefined ? undefined : listHref(query, props.next)} />
    </AdminLayout>
  );
}

export interface IssueValues {
  awsAccountId: string;
  plan: string;
  seats: string;
  startsOn: string;
  endsOn: string;
}

export function IssueLicencePage({ ctx, values, problem }: { ctx: AdminPageContext; values: IssueValues; problem?: LicenceFormProblem | undefined }) {
  const f = (field: string) => errorsFor(problem, 'issue', field);
  return (
    <AdminLayout title="Issue a licence" ctx={ctx} narrow>
      <p>
        <a href="/admin/licences">← All licences</a>
      </p>
      <h1>Issue a licence</h1>
      <ErrorSummary message={problem?.message} />
      <PostForm action="/admin/licences/new" csrfToken={ctx.csrfToken}>
        <Field name="awsAccountId" label="AWS account ID" hint={ACCOUNT_ID_HINT} value={values.awsAccountId} errors={f('awsAccountId')} autofocus={f('awsAccountId') !== undefined || problem === undefined} inputmode="numeric" autocomplete="off" maxLength={40} />
        <Field name="plan" label="Plan" value={values.plan} errors={f('plan')} autofocus={f('plan') !== undefined} autocomplete="off" maxLength={64} />
        <Field name="seats" label="Seats" hint="How many instances may hold a seat at once." value={values.seats} errors={f('seats')} autofocus={f('seats') !== undefined} inputmode="numeric" autocomplete="off" maxLength={6} />
        <Field name="startsOn" label="Start date (optional)" hint="YYYY-MM-DD, in UTC. Empty: today." value={values.startsOn} errors={f('startsOn')} autofocus={f('startsOn') !== undefined} required={false} autocomplete="off" maxLength={10} />
        <Field name="endsOn" label="End date (optional)" hint="YYYY-MM-DD, in UTC; the licence is good through that day. Empty: no end date." value={values.endsOn} errors={f('endsOn')} autofocus={f('endsOn') !== undefined} required={false} autocomplete="off" maxLength={10} />
        <LicenceReason form="issue" problem={problem} />
        <button type="submit">Issue the licence</button>
      </PostForm>
    </AdminLayout>
  );
}
