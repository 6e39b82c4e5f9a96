import type { AuditRow } from '../audit/audit-search.repo.js';
import { formatAccountId } from '../core/account-id.js';
import type { ActivationRow, LicenceRow, MarketplaceSubscriptionRow, PortalAccountRow } from '../db/schema.js';
import { AdminLayout, type AdminPageContext } from '../web/admin-layout.js';
import { ErrorSummary, Field, PostForm } from '../web/forms.js';
import { formatDate } from '../web/format.js';
import { TableHead } from '../web/table-head.js';
import { Badge, Day, When } from './admin-table.js';
import { shortId, StatusBadge } from './licence-parts.js';
import { SUBSCRIPTION_STATUS } from './marketplace-admin.pages.js';
import type { StaffAction } from './policy.js';

export interface CustomerSession {
  id: string;
  device: string;
  ip: string;
  createdAt: Date;
  lastSeenAt: Date;
}

export interface CustomerDetails {
  awsAccountId: string;
  account: PortalAccountRow | undefined;
  sessions: CustomerSession[];
  licences: LicenceRow[];
  subscriptions: MarketplaceSubscriptionRow[];
  activations: ActivationRow[];
  audit: AuditRow[];
}

/** A failed action on this page: its message, and the field it is about. */
export interface CustomerProblem {
  form: 'create-account' | 'send-reset' | 'end-sessions' | 'enable';
  message: string;
  fields: Record<string, string[]>;
}

const MFA_LABELS = { totp: 'Authenticator app', email: 'Email codes' } as const;

function AccountFacts({ account }: { account: PortalAccountRow }) {
  return (
    <dl class="facts">
      <dt>Contact email</dt>
      <dd>
        {account.email} {account.email_verified_at === null ? <Badge label="Not verified" tone="pending" /> : <Badge label="Verified" tone="active" />}
      </dd>
      <dt>Status</dt>
      <dd>{account.disabled_at === null ? <Badge label="Active" tone="active" /> : <Badge label={`Disabled since ${formatDate(account.disabled_at)}`} tone="suspended" />}</dd>
      <dt>MFA</dt>
      <dd>{account.mfa_method === null ? 'Off' : `${MFA_LABELS[account.mfa_method]}${account.mfa_enabled_at === null ? '' : ` (since ${formatDate(account.mfa_enabled_at)})`}`}</dd>
      <dt>Created</dt>
      <dd>
        <Day at={account.created_at} />
      </dd>
      {account.one_time_password_expires_at === null ? null : (
        <>
          <dt>One-time password</dt>
          <dd>Not yet replaced; it stops working on {formatDate(account.one_time_password_expires_at)}</dd>
        </>
      )}
    </dl>
  );
}

/** The actions the role allows, each one form; the destructive ones open a confirmation page first. */
function Actions({ c, ctx, may, problem }: { c: CustomerDetails; ctx: AdminPageContext; may: (action: StaffAction) => boolean; problem: CustomerProblem | undefined }) {
  const base = `/admin/customers/${c.awsAccountId}`;
  const shown = formatAccountId(c.awsAccountId);
  const account = c.account;
  if (account === undefined) {
    if (!may('customers.create_account')) return null;
    const errors = problem?.form === 'create-account' ? problem.fields.email : undefined;
    return (
      <section class="panel" aria-labelledby="create-heading">
        <h2 id="create-heading">Create a portal account</h2>
        <p>The customer gets a one-time password by email (valid 7 days) and must choose a new password when they first sign in. Nobody else sees it, you included.</p>
        <PostForm action={`${base}/create-account`} csrfToken={ctx.csrfToken}>
          <Field name="email" label="Customer's contact email" type="email" autocomplete="off" maxLength={254} errors={errors} autofocus={errors !== undefined} value={c.licences.find((l) => l.contact_email !== null)?.contact_email ?? ''} />
          <button type="submit">Create the portal account for {shown}</button>
        </PostForm>
      </section>
    );
  }
  const disabled = account.disabled_at !== null;
  const any = ['customers.send_reset', 'customers.reset_mfa', 'customers.end_sessions', 'customers.disable'].some((a) => may(a as StaffAction));
  if (!any) return null;
  return (
    <section class="panel" aria-labelledby="actions-heading">
      <h2 id="actions-heading">Actions</h2>
      <div class="button-row">
        {may('customers.send_reset') && !disabled ? (
          <PostForm action={`${base}/send-reset`} csrfToken={ctx.csrfToken} class="inline-form">
            <button type="submit" class="button secondary">Email a password reset link</button>
          </PostForm>
        ) : null}
        {may('customers.end_sessions') && c.sessions.length > 0 ? (
          <PostForm action={`${base}/end-sessions`} csrfToken={ctx.csrfToken} class="inline-form">
            <button type="submit" class="button secondary">{c.sessions.length === 1 ? 'End the session' : `End all ${c.sessions.length} sessions`}</button>
          </PostForm>
        ) : null}
        {may('customers.reset_mfa') && account.mfa_method !== null ? (
          <a class="button secondary" href={`${base}/reset-mfa`}>Reset MFA…</a>
        ) : null}
        {!may('customers.disable') ? null : disabled ? (
          <PostForm action={`${base}/enable`} csrfToken={ctx.csrfToken} class="inline-form">
            <button type="submit" class="button secondary">Re-enable the account</button>
          </PostForm>
        ) : (
          <a class="button secondary" href={`${base}/disable`}>Disable the account…</a>
        )}
      </div>
    </section>
  );
}

function Table<T>({ id, title, caption, columns, rows, empty, row }: { id: string; title: string; caption: string; columns: readonly string[]; rows: readonly T[]; empty: string; row: (item: T) => preact.JSX.Element }) {
  return (
    <section class="panel" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>
        {title} <span class="hint">({rows.length})</span>
      </h2>
      {rows.length === 0 ? (
        <p class="hint">{empty}</p>
      ) : (
        <div class="table-wrap">
          <table class={id}>
            <caption class="visually-hidden">{caption}</caption>
            <TableHead columns={columns} />
            <tbody>{rows.map(row)}</tbody>
          </table>
        </div>
      )}
    </section>
  );
}

const SESSION_COLUMNS = ['Device', 'Address', 'Signed in', 'Last seen'] as const;
const LICENCE_COLUMNS = ['Licence', 'Status', 'Plan', 'Seats', 'Ends'] as const;
const SUBSCRIPTION_COLUMNS = ['Marketplace licence', 'Product', 'Status', 'Licence', 'Since'] as const;
const ACTIVATION_COLUMNS = ['Instance', 'Region', 'Host', 'Licence', 'Activated', 'Last heartbeat'] as const;
const AUDIT_COLUMNS = ['Time', 'Event', 'Actor', 'Address', 'Reason'] as const;

const licenceLink = (id: string | null) => (id === null ? '—' : <a href={`/admin/licences/${id}`} class="mono">{shortId(id)}</a>);

export function CustomerPage({ ctx, c, may, now, problem }: { ctx: AdminPageContext; c: CustomerDetails; may: (action: StaffAction) => boolean; now: Date; problem?: CustomerProblem | undefined }) {
  const shown = formatAccountId(c.awsAccountId);
  return (
    <AdminLayout title={`Customer ${shown}`} ctx={ctx}>
      <p>
        <a href="/admin/customers">← Customers</a>
      </p>
      <div class="page-head">
        <h1>
          AWS account <span class="mono">{shown}</span>
        </h1>
      </div>
      <ErrorSummary message={problem?.message} />
      <section class="panel" aria-labelledby="account-heading">
        <h2 id="account-heading">Portal account</h2>
        {c.account === undefined ? <p>This AWS account has no portal account yet.</p> : <AccountFacts account={c.account} />}
      </section>
      <Actions c={c} ctx={ctx} may={may} problem={problem} />
      {c.account === undefined ? null : (
        <Table id="sessions" title="Active sessions" caption="The customer's signed-in browsers, most recently used first" columns={SESSION_COLUMNS} rows={c.sessions} empty="Not signed in anywhere." row={(s) => (
          <tr key={s.id}>
            <td data-label={SESSION_COLUMNS[0]}>{s.device}</td>
            <td data-label={SESSION_COLUMNS[1]} class="mono">{s.ip}</td>
            <td data-label={SESSION_COLUMNS[2]}><When at={s.createdAt} /></td>
            <td data-label={SESSION_COLUMNS[3]}><When at={s.lastSeenAt} /></td>
          </tr>
        )} />
      )}
      <Table id="licences" title="Licences" caption="The AWS account's licences" columns={LICENCE_COLUMNS} rows={c.licences} empty="No licences." row={(l) => (
        <tr key={l.id}>
          <td data-label={LICENCE_COLUMNS[0]}>{licenceLink(l.id)}</td>
          <td data-label={LICENCE_COLUMNS[1]}><StatusBadge licence={l} now={now} /></td>
          <td data-label={LICENCE_COLUMNS[2]} class="plan">{l.plan}</td>
          <td data-label={LICENCE_COLUMNS[3]}>{l.seats}</td>
          <td data-label={LICENCE_COLUMNS[4]}><Day at={l.ends_at} empty="No end date" /></td>
        </tr>
      )} />
      <Table id="subscriptions" title="Marketplace subscriptions" caption="AWS Marketplace subscriptions of the account" columns={SUBSCRIPTION_COLUMNS} rows={c.subscriptions} empty="No AWS Marketplace subscription." row={(s) => (
        <tr key={s.id}>
          <td data-label={SUBSCRIPTION_COLUMNS[0]} class="mono">{s.aws_licence_id}</td>
          <td data-label={SUBSCRIPTION_COLUMNS[1]} class="mono">{s.product_code}</td>
          <td data-label={SUBSCRIPTION_COLUMNS[2]}><Badge {...SUBSCRIPTION_STATUS[s.status]} /></td>
          <td data-label={SUBSCRIPTION_COLUMNS[3]}>{licenceLink(s.licence_id)}</td>
          <td data-label={SUBSCRIPTION_COLUMNS[4]}><Day at={s.created_at} /></td>
        </tr>
      )} />
      <Table id="activations" title="Activations" caption="Instances holding a seat of the account's licences" columns={ACTIVATION_COLUMNS} rows={c.activations} empty="No instance is activated." row={(a) => (
        <tr key={a.id}>
          <td data-label={ACTIVATION_COLUMNS[0]} class="mono">{a.instance_id}</td>
          <td data-label={ACTIVATION_COLUMNS[1]}>{a.region}</td>
          <td data-label={ACTIVATION_COLUMNS[2]}>{a.hostname ?? '—'}</td>
          <td data-label={ACTIVATION_COLUMNS[3]}>{licenceLink(a.licence_id)}</td>
          <td data-label={ACTIVATION_COLUMNS[4]}><When at={a.activated_at} /></td>
          <td data-label={ACTIVATION_COLUMNS[5]}><When at={a.last_heartbeat_at} /></td>
        </tr>
      )} />
      <Table id="audit" title="Audit trail (latest 50)" caption="The account's latest audit entries, newest first" columns={AUDIT_COLUMNS} rows={c.audit} empty="Nothing recorded for this account yet." row={(e) => (
        <tr key={String(e.id)}>
          <td data-label={AUDIT_COLUMNS[0]}><When at={e.at} /></td>
          <td data-label={AUDIT_COLUMNS[1]} class="mono">{e.event}</td>
          <td data-label={AUDIT_COLUMNS[2]}>{e.actor}</td>
          <td data-label={AUDIT_COLUMNS[3]} class="mono">{e.ip ?? '—'}</td>
          <td data-label={AUDIT_COLUMNS[4]}>{e.reason ?? ''}</td>
        </tr>
      )} />
      <p>
        <a href={`/admin/audit?account=${c.awsAccountId}`}>The whole audit log of this account, with filters and export</a>
      </p>
    </AdminLayout>
  );
}
