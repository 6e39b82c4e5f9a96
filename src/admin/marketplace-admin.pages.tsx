import { formatAccountId } from '../core/account-id.js';
import type { MarketplaceNotificationStatus, MarketplaceSubscriptionStatus } from '../db/schema.js';
import type { NotificationDetail, NotificationSummary, SubscriptionSummary } from '../marketplace/notification-search.repo.js';
import { AdminLayout, type AdminPageContext } from '../web/admin-layout.js';
import { ErrorSummary, Field, PostForm, SelectField } from '../web/forms.js';
import { TableHead } from '../web/table-head.js';
import { Badge, EmptyState, Pager, When, type Shown } from './admin-table.js';

export const NOTIFICATION_STATUSES: readonly MarketplaceNotificationStatus[] = ['received', 'processed', 'ignored', 'failed'];
const NOTIFICATION_STATUS: Record<MarketplaceNotificationStatus, Shown> = {
  received: { label: 'Waiting', tone: 'pending' },
  processed: { label: 'Processed', tone: 'active' },
  ignored: { label: 'Ignored', tone: 'expiring' },
  failed: { label: 'Failed', tone: 'revoked' },
};
export const SUBSCRIPTION_STATUS: Record<MarketplaceSubscriptionStatus, Shown> = {
  subscribed: { label: 'Subscribed', tone: 'active' },
  subscribe_failed: { label: 'Subscription failed', tone: 'revoked' },
  unsubscribe_pending: { label: 'Unsubscribe pending', tone: 'pending' },
  unsubscribed: { label: 'Unsubscribed', tone: 'revoked' },
};

const account = (id: string | null) => (id === null ? '—' : <span class="mono">{formatAccountId(id)}</span>);

/** The two views of the section, the current one marked. */
function Tabs({ current }: { current: 'subscriptions' | 'notifications' }) {
  return (
    <nav class="tabs" aria-label="Marketplace">
      <a href="/admin/marketplace" aria-current={current === 'subscriptions' ? 'page' : undefined}>
        Subscriptions
      </a>
      <a href="/admin/marketplace/notifications" aria-current={current === 'notifications' ? 'page' : undefined}>
        Notifications
      </a>
    </nav>
  );
}

const SUB_COLUMNS = ['AWS account', 'Licence ARN', 'Status', 'Licence', 'Linked', 'Since'] as const;

export function SubscriptionsPage({ ctx, rows, firstHref, nextHref }: { ctx: AdminPageContext; rows: SubscriptionSummary[]; firstHref: string | undefined; nextHref: string | undefined }) {
  return (
    <AdminLayout title="Marketplace subscriptions" ctx={ctx}>
      <div class="page-head">
        <h1>Marketplace</h1>
      </div>
      <Tabs current="subscriptions" />
      {rows.length === 0 ? (
        <EmptyState title="No subscriptions">{firstHref === undefined ? 'Nobody has subscribed through AWS Marketplace yet. Subscriptions appear here when a buyer lands on the portal or a notification names one.' : 'There are no older subscriptions.'}</EmptyState>
      ) : (
        <div class="table-wrap">
          <table class="subscriptions">
            <caption class="visually-hidden">AWS Marketplace subscriptions, newest first</caption>
            <TableHead columns={SUB_COLUMNS} />
            <tbody>
              {rows.map((s) => (
                <tr key={s.id}>
                  <td data-label={SUB_COLUMNS[0]}>
                    <a href={`/admin/marketplace/notifications?account=${s.awsAccountId}`} title="Notifications of this account">
                      {account(s.awsAccountId)}
                    </a>
                  </td>
                  <td data-label={SUB_COLUMNS[1]} class="mono">
                    {s.licenceArn}
                  </td>
                  <td data-label={SUB_COLUMNS[2]}>
                    <Badge {...SUBSCRIPTION_STATUS[s.status]} />
                  </td>
                  <td data-label={SUB_COLUMNS[3]}>
                    {s.licenceId === null ? (
                      'Not provisioned'
                    ) : (
                      <a href={`/admin/licences/${s.licenceId}`}>
                        {s.licenceStatus === null ? 'Licence' : `Licence (${s.licenceStatus})`}
                        <span class="visually-hidden">{` of ${formatAccountId(s.awsAccountId)}`}</span>
                      </a>
                    )}
                  </td>
                  <td data-label={SUB_COLUMNS[4]}>{s.linked ? 'Yes' : 'No'}</td>
                  <td data-label={SUB_COLUMNS[5]}>
                    <When at={s.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager label="Subscription pages" firstHref={firstHref} nextHref={nextHref} />
    </AdminLayout>
  );
}

export interface NotificationFilterForm {
  status: string;
  type: string;
  account: string;
}

const N_COLUMNS = ['Received', 'Type', 'AWS account', 'Status', 'Outcome or failure reason', 'Attempts', 'Details'] as const;
const typeOf = (n: { kind: string | null; action: string | null }) => n.kind ?? n.action ?? 'Unknown';

export function NotificationsPage(props: { ctx: AdminPageContext; rows: NotificationSummary[]; types: string[]; filter: NotificationFilterForm; errors: Record<string, string[]>; firstHref: string | undefined; nextHref: string | undefined }) {
  const { ctx, rows, filter, errors } = props;
  const filtered = filter.status !== '' || filter.type !== '' || filter.account !== '';
  return (
    <AdminLayout title="Marketplace notifications" ctx={ctx}>
      <div class="page-head">
        <h1>Marketplace</h1>
      </div>
      <Tabs current="notifications" />
      <ErrorSummary message={Object.keys(errors).length > 0 ? 'Please correct the filter.' : undefined} />
      <form method="get" action="/admin/marketplace/notifications" class="filters" role="search" aria-label="Filter notifications">
        <SelectField id="filter-status" name="status" label="Status" value={filter.status} options={[{ value: '', label: 'Any status' }, ...NOTIFICATION_STATUSES.map((s) => ({ value: s, label: NOTIFICATION_STATUS[s].label }))]} />
        <SelectField id="filter-type" name="type" label="Type" value={filter.type} options={[{ value: '', label: 'Any type' }, ...[...new Set([...props.types, ...(filter.type === '' ? [] : [filter.type])])].map((t) => ({ value: t, label: t }))]} />
        <Field id="filter-account" name="account" label="AWS account ID" value={filter.account} required={false} errors={errors.account} autofocus={errors.account !== undefined} inputmode="numeric" maxLength={32} />
        <div class="filter-actions">
          <button type="submit">Filter</button>
          {filtered ? <a href="/admin/marketplace/notifications">Clear the filters</a> : null}
        </div>
      </form>
      {rows.length === 0 ? (
        <EmptyState title="No notifications">{filtered ? 'No notification matches these filters.' : props.firstHref === undefined ? 'No notification from AWS Marketplace has been received yet.' : 'There are no older notifications.'}</EmptyState>
      ) : (
        <div class="table-wrap">
          <table class="notifications">
            <caption class="visually-hidden">AWS Marketplace notifications received, newest first</caption>
            <TableHead columns={N_COLUMNS} />
            <tbody>
              {rows.map((n) => (
                <tr key={n.id}>
                  <td data-label={N_COLUMNS[0]}>
                    <When at={n.receivedAt} />
                  </td>
                  <td data-label={N_COLUMNS[1]} class="mono">
                    {typeOf(n)}
                  </td>
                  <td data-label={N_COLUMNS[2]}>{account(n.awsAccountId)}</td>
                  <td data-label={N_COLUMNS[3]}>
                    <Badge {...NOTIFICATION_STATUS[n.status]} />
                  </td>
                  <td data-label={N_COLUMNS[4]} class="wrap">
                    {n.outcome ?? (n.lastError === null ? '—' : `Last error: ${n.lastError}`)}
                  </td>
                  <td data-label={N_COLUMNS[5]}>{n.attempts}</td>
                  <td data-label={N_COLUMNS[6]}>
                    <a href={`/admin/marketplace/notifications/${n.id}`}>
                      View<span class="visually-hidden">{` the ${typeOf(n)} notification received ${n.receivedAt.toISOString()}`}</span>
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager label="Notification pages" firstHref={props.firstHref} nextHref={props.nextHref} />
    </AdminLayout>
  );
}

/** The raw body, pretty-printed when it is JSON; always text (escaped by the renderer), never markup. */
function prettyBody(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

export function NotificationPage({ ctx, n, canReprocess, problem }: { ctx: AdminPageContext; n: NotificationDetail; canReprocess: boolean; problem?: string | undefined }) {
  return (
    <AdminLayout title={`Notification ${typeOf(n)}`} ctx={ctx}>
      <p>
        <a href="/admin/marketplace/notifications">← All notifications</a>
      </p>
      <div class="page-head">
        <h1>
          Notification <span class="mono">{typeOf(n)}</span>
        </h1>
      </div>
      <ErrorSummary message={problem} />
      <section class="panel" aria-labelledby="notification-heading">
        <h2 id="notification-heading">What happened</h2>
        <dl class="facts">
          <dt>Status</dt>
          <dd>
            <Badge {...NOTIFICATION_STATUS[n.status]} />
          </dd>
          <dt>{n.status === 'failed' ? 'Failure reason' : 'Outcome'}</dt>
          <dd>{n.outcome ?? '—'}</dd>
          {n.lastError === null ? null : (
            <>
              <dt>Last error</dt>
              <dd>{n.lastError}</dd>
            </>
          )}
          <dt>Attempts</dt>
          <dd>{n.attempts}</dd>
          <dt>Received</dt>
          <dd>
            <When at={n.receivedAt} />
          </dd>
          <dt>Processed</dt>
          <dd><When at={n.processedAt} /></dd>
          <dt>Sent by AWS</dt>
          <dd><When at={n.eventAt} /></dd>
          <dt>Delivered by</dt>
          <dd>{n.source === 'sqs' ? 'SQS queue' : 'SNS HTTPS'}</dd>
          <dt>AWS account</dt>
          <dd>{account(n.awsAccountId)}</dd>
          <dt>Licence ARN</dt>
          <dd class="mono wrap">{n.licenceArn ?? '—'}</dd>
          <dt>Message id</dt>
          <dd class="mono wrap">{n.messageId}</dd>
        </dl>
      </section>
      {n.status === 'failed' && canReprocess ? (
        <section class="panel" aria-labelledby="reprocess-heading">
          <h2 id="reprocess-heading">Process it again</h2>
          <p>Once what made it fail is fixed (the product code, a licence’s state), process the stored body again as if it had just arrived. The result replaces the failure above, and the audit log records that you did it.</p>
          <PostForm action={`/admin/marketplace/notifications/${n.id}/reprocess`} csrfToken={ctx.csrfToken}>
            <button type="submit">Process this notification again</button>
          </PostForm>
        </section>
      ) : null}
      <section class="panel" aria-labelledby="body-heading">
        <h2 id="body-heading">Raw body</h2>
        <pre class="raw-body" tabIndex={0} aria-label="Raw body of the notification">
          {prettyBody(n.body)}
        </pre>
      </section>
    </AdminLayout>
  );
}
