import { formatAccountId } from '../core/account-id.js';
import type { ActivationRow, LicenceRow, MarketplaceSubscriptionRow } from '../db/schema.js';
import type { LicenceStatus } from '../licences/licence.lifecycle.js';
import { AdminLayout, type AdminPageContext } from '../web/admin-layout.js';
import { ErrorSummary, Field, PostForm } from '../web/forms.js';
import { TableHead } from '../web/table-head.js';
import { dateInput } from './licence-input.js';
import { Badge, Day, When, type Shown } from './admin-table.js';
import { AccountLink, errorsFor, LicenceReason, shortId, SOURCE_LABELS, STATUS_LABELS, StatusBadge, type LicenceFormProblem } from './licence-parts.js';

export interface Transition {
  at: Date;
  action: string;
  from_status: string | null;
  to_status: string;
  actor: string;
  reason: string;
}

/** The changes a staff member may make to this licence now: allowed by their role and by the licence's status. */
export interface LicencePermissions {
  approve: boolean;
  reject: boolean;
  suspend: boolean;
  reinstate: boolean;
  renew: boolean;
  amend: boolean;
  revoke: boolean;
  deactivate: boolean;
}

const ACTIVATION_COLUMNS = ['Instance', 'Region', 'Host', 'Last heartbeat', 'State', 'Action'] as const;
const HISTORY_COLUMNS = ['When', 'Action', 'Status', 'By', 'Reason'] as const;
const ENDED: Record<string, string> = { deactivated: 'Deactivated by the instance', deactivated_by_owner: 'Deactivated by the owner', deactivated_by_staff: 'Deactivated by staff', stale: 'Ended (stale)', licence_revoked: 'Ended (licence revoked)' };

/** An activation's state: ended (and why), alive, or stale (its seat freed until it calls in again). */
function activationState(a: ActivationRow, alive: boolean): Shown {
  if (a.ended_at !== null) return { label: ENDED[a.ended_reason ?? ''] ?? 'Ended', tone: 'revoked' };
  return alive ? { label: 'Alive', tone: 'active' } : { label: 'Stale (no seat)', tone: 'expiring' };
}

function ActionPanel({ form, title, text, ctx, id, problem, button, children }: { form: string; title: string; text: string; ctx: AdminPageContext; id: string; problem: LicenceFormProblem | undefined; button: string; children?: preact.ComponentChildren }) {
  return (
    <section class="panel" aria-labelledby={`${form}-heading`}>
      <h3 id={`${form}-heading`}>{title}</h3>
      <p>{text}</p>
      <PostForm action={`/admin/licences/${id}/${form}`} csrfToken={ctx.csrfToken}>
        {children}
        <LicenceReason form={form} problem={problem} />
        <button type="submit">{button}</button>
      </PostForm>
    </section>
  );
}

function Activations({ ctx, licence, activations, now, canDeactivate, problem }: { ctx: AdminPageContext; licence: LicenceRow; activations: ActivationRow[]; now: Date; canDeactivate: boolean; problem: LicenceFormProblem | undefined }) {
  if (activations.length === 0) return <p class="hint">No instance has activated this licence yet.</p>;
  return (
    <div class="table-wrap">
      <table class="activations">
        <caption class="visually-hidden">Activations of the licence, open ones first</caption>
        <TableHead columns={ACTIVATION_COLUMNS} />
        <tbody>
          {activations.map((a) => {
            const form = `deactivate-${a.id}`;
            const alive = a.ended_at === null && a.stale_after > now;
            return (
              <tr key={a.id}>
                <th scope="row" data-label={ACTIVATION_COLUMNS[0]} class="mono">
                  {a.instance_id}
                </th>
                <td data-label={ACTIVATION_COLUMNS[1]}>{a.region}</td>
                <td data-label={ACTIVATION_COLUMNS[2]}>{a.hostname ?? '—'}</td>
                <td data-label={ACTIVATION_COLUMNS[3]}><When at={a.last_heartbeat_at} /></td>
                <td data-label={ACTIVATION_COLUMNS[4]}>
                  <Badge {...activationState(a, alive)} />
                </td>
                <td data-label={ACTIVATION_COLUMNS[5]}>
                  {a.ended_at === null && canDeactivate ? (
                    <PostForm action={`/admin/licences/${licence.id}/activations/${a.id}/deactivate`} csrfToken={ctx.csrfToken} class="inline-action">
                      <LicenceReason form={form} problem={problem} compact />
                      <button type="submit">
                        Deactivate<span class="visually-hidden">{` ${a.instance_id}`}</span>
                      </button>
                    </PostForm>
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Origin({ subscriptions }: { subscriptions: MarketplaceSubscriptionRow[] }) {
  return (
    <section class="panel" aria-labelledby="origin-heading">
      <h2 id="origin-heading">Marketplace origin</h2>
      {subscriptions.length === 0 ? (
        <p class="hint">No Marketplace subscription is linked to this licence.</p>
      ) : (
        subscriptions.map((s) => (
          <dl class="facts" key={s.id}>
            <dt>Subscription</dt>
            <dd>
              {s.status.replace(/_/g, ' ')} · <a href={`/admin/marketplace/notifications?account=${s.aws_account_id}`}>its notifications</a>
            </dd>
            <dt>Marketplace licence</dt>
            <dd class="mono">{s.licence_arn}</dd>
            <dt>Product code</dt>
            <dd class="mono">{s.product_code}</dd>
            <dt>Customer identifier</dt>
            <dd class="mono">{s.customer_identifier ?? '—'}</dd>
            <dt>Subscribed</dt>
            <dd><Day at={s.created_at} /></dd>
            <dt>Provisioned</dt>
            <dd><Day at={s.provisioned_at} empty="Not yet" /></dd>
          </dl>
        ))
      )}
    </section>
  );
}

export function LicencePage(props: { ctx: AdminPageContext; licence: LicenceRow; seatsInUse: number; transitions: Transition[]; activations: ActivationRow[]; subscriptions: MarketplaceSubscriptionRow[] | undefined; may: LicencePermissions; now: Date; problem?: LicenceFormProblem | undefined }) {
  const { ctx, licence: l, may, problem, now } = props;
  const title = `Licence ${shortId(l.id)}`;
  const anyAction = may.approve || may.reject || may.suspend || may.reinstate || may.renew || may.amend || may.revoke;
  return (
    <AdminLayout title={title} ctx={ctx}>
      <p>
        <a href="/admin/licences">← All licences</a>
      </p>
      <div class="page-head">
        <h1>
          {title} <StatusBadge licence={l} now={now} />
        </h1>
      </div>
      <ErrorSummary message={problem?.message} />
      <section class="panel" aria-labelledby="terms-heading">
        <h2 id="terms-heading">Terms</h2>
        <dl class="facts">
          <dt>Account</dt>
          <dd>
            <AccountLink awsAccountId={l.aws_account_id} />
          </dd>
          <dt>Plan</dt>
          <dd class="plan">{l.plan}</dd>
          <dt>Seats</dt>
          <dd>
            {props.seatsInUse} in use of {l.seats}
          </dd>
          <dt>Status</dt>
          <dd>{STATUS_LABELS[l.status as LicenceStatus]}</dd>
          <dt>Source</dt>
          <dd>{SOURCE_LABELS[l.source] ?? l.source}</dd>
          <dt>Starts</dt>
          <dd><Day at={l.starts_at} /></dd>
          <dt>Ends</dt>
          <dd><Day at={l.ends_at} empty="No end date" /></dd>
          <dt>Licence ID</dt>
          <dd class="mono">{l.id}</dd>
          <dt>Contact email</dt>
          <dd>{l.contact_email ?? '—'}</dd>
        </dl>
        {l.status === 'requested' ? (
          <dl class="facts request">
            <dt>Requested by instance</dt>
            <dd class="mono">{l.requested_by_instance ?? '—'}</dd>
            <dt>Request note</dt>
            <dd>{l.request_note ?? '—'}</dd>
          </dl>
        ) : null}
      </section>
      {anyAction ? (
        <section aria-labelledby="actions-heading">
          <h2 id="actions-heading">Actions</h2>
          {may.approve ? <ActionPanel form="approve" title="Approve the request" text="The licence becomes active; instances can take its seats." ctx={ctx} id={l.id} problem={problem} button="Approve the request" /> : null}
          {may.reject ? <ActionPanel form="reject" title="Reject the request" text="The request is turned down for good (the licence is revoked)." ctx={ctx} id={l.id} problem={problem} button="Reject the request" /> : null}
          {may.suspend ? <ActionPanel form="suspend" title="Suspend" text="Instances stop validating until the licence is reinstated." ctx={ctx} id={l.id} problem={problem} button="Suspend the licence" /> : null}
          {may.reinstate ? <ActionPanel form="reinstate" title="Reinstate" text="The licence is active again." ctx={ctx} id={l.id} problem={problem} button="Reinstate the licence" /> : null}
          {may.renew ? (
            <ActionPanel form="renew" title="Renew" text="A new end date, later than the current one." ctx={ctx} id={l.id} problem={problem} button="Renew the licence">
              <Field id="renew-ends" name="endsOn" label="New end date" hint="YYYY-MM-DD, in UTC; good through that day." value={dateInput(l.ends_at)} errors={errorsFor(problem, 'renew', 'endsOn')} autofocus={errorsFor(problem, 'renew', 'endsOn') !== undefined} autocomplete="off" maxLength={10} />
            </ActionPanel>
          ) : null}
          {may.amend ? (
            <ActionPanel form="amend" title="Change the seats" text="Instances already holding a seat keep it; new activations wait for a free one." ctx={ctx} id={l.id} problem={problem} button="Change the seats">
              <Field id="amend-seats" name="seats" label="Seats" value={String(l.seats)} errors={errorsFor(problem, 'amend', 'seats')} autofocus={errorsFor(problem, 'amend', 'seats') !== undefined} inputmode="numeric" autocomplete="off" maxLength={6} />
            </ActionPanel>
          ) : null}
          {may.revoke ? (
            <section class="panel danger" aria-labelledby="revoke-heading">
              <h3 id="revoke-heading">Revoke</h3>
              <p>Final: a revoked licence cannot be used again.</p>
              <a class="button danger" href={`/admin/licences/${l.id}/revoke`}>
                Revoke this licence…
              </a>
            </section>
          ) : null}
        </section>
      ) : null}
      <section aria-labelledby="activations-heading">
        <h2 id="activations-heading">Activations</h2>
        <Activations ctx={ctx} licence={l} activations={props.activations} now={now} canDeactivate={may.deactivate} problem={problem} />
      </section>
      {props.subscriptions === undefined ? null : <Origin subscriptions={props.subscriptions} />}
      <section aria-labelledby="history-heading">
        <h2 id="history-heading">History</h2>
        <div class="table-wrap">
          <table class="history">
            <caption class="visually-hidden">Every change to the licence, oldest first</caption>
            <TableHead columns={HISTORY_COLUMNS} />
            <tbody>
              {props.transitions.map((t, i) => (
                <tr key={i}>
                  <td data-label={HISTORY_COLUMNS[0]}><When at={t.at} /></td>
                  <td data-label={HISTORY_COLUMNS[1]}>{t.action}</td>
                  <td data-label={HISTORY_COLUMNS[2]}>{t.from_status === null ? t.to_status : `${t.from_status} → ${t.to_status}`}</td>
                  <td data-label={HISTORY_COLUMNS[3]}>{t.actor}</td>
                  <td data-label={HISTORY_COLUMNS[4]} class="note">
                    {t.reason}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </AdminLayout>
  );
}

/** The confirmation before the one final change: it names the licence and the account. */
export function RevokeLicencePage({ ctx, licence, problem }: { ctx: AdminPageContext; licence: LicenceRow; problem?: LicenceFormProblem | undefined }) {
  const account = formatAccountId(licence.aws_account_id);
  return (
    <AdminLayout title={`Revoke licence ${shortId(licence.id)}`} ctx={ctx} narrow>
      <p>
        <a href={`/admin/licences/${licence.id}`}>← Back to the licence</a>
      </p>
      <h1>
        Revoke licence {shortId(licence.id)} of account {account}?
      </h1>
      <ErrorSummary message={problem?.message} />
      <p>
        The <strong class="plan">{licence.plan}</strong> licence <span class="mono">{licence.id}</span> of AWS account <strong class="mono">{account}</strong> ({licence.seats} seats) will be revoked. This is final: its instances stop validating and it cannot be reinstated.
      </p>
      <PostForm action={`/admin/licences/${licence.id}/revoke`} csrfToken={ctx.csrfToken}>
        <LicenceReason form="revoke" problem={problem} />
        <button type="submit" class="danger">
          Revoke licence {shortId(licence.id)} of {account}
        </button>
      </PostForm>
      <p>
        <a href={`/admin/licences/${licence.id}`}>Cancel, keep the licence</a>
      </p>
    </AdminLayout>
  );
}
