import type { LicenceRow } from '../db/schema.js';
import { formatDate } from '../web/format.js';
import { PostForm } from '../web/forms.js';
import { TableHead } from '../web/table-head.js';
import type { ViewContext } from '../web/view-context.js';
import type { SeatHolder } from './seat-holders.js';

const COLUMNS = ['Instance', 'Licence', 'Region', 'Host', 'Last heartbeat', 'State', 'Action'] as const;

function When({ date }: { date: Date }) {
  return <time dateTime={date.toISOString()}>{`${formatDate(date)}, ${date.toISOString().slice(11, 16)} UTC`}</time>;
}

/**
 * The instances holding (or, when stale, having held) seats of the account's licences. Rendered on every
 * visit, outside the cached licence list: each row has a form with this session's CSRF token.
 */
export function ActivationsSection({ ctx, activations, licences, now }: { ctx: ViewContext; activations: SeatHolder[]; licences: LicenceRow[]; now: Date }) {
  if (licences.length === 0) return null;
  const plans = new Map(licences.map((l) => [l.id, l.plan]));
  return (
    <section class="panel" aria-labelledby="activations-heading">
      <h2 id="activations-heading">Activations</h2>
      {activations.length === 0 ? (
        <p>No WebStream instance is activated yet. In your WebStream instance's admin panel, choose Activate licence; it appears here with its last heartbeat.</p>
      ) : (
        <>
          <p>
            WebStream instances using your seats. An instance that misses its heartbeats turns <strong>stale</strong> and stops using a seat until it comes back. Deactivating frees the seat at once; each licence
            allows a few deactivations a day.
          </p>
          <div class="table-wrap">
            <table class="activations">
              <caption class="visually-hidden">Activations of your licences</caption>
              <TableHead columns={COLUMNS} />
              <tbody>
                {activations.map((a) => {
                  const alive = a.staleAfter > now;
                  return (
                    <tr key={a.id}>
                      <td class="mono" data-label={COLUMNS[0]}>
                        {a.instanceId}
                      </td>
                      <td data-label={COLUMNS[1]}>
                        {plans.get(a.licenceId) ?? ''} <span class="mono">{a.licenceId.slice(0, 8)}</span>
                      </td>
                      <td data-label={COLUMNS[2]}>{a.region}</td>
                      <td data-label={COLUMNS[3]}>{a.hostname ?? '—'}</td>
                      <td data-label={COLUMNS[4]}>
                        <When date={a.lastHeartbeatAt} />
                      </td>
                      <td data-label={COLUMNS[5]}>
                        <span class={`status status-${alive ? 'active' : 'expired'}`}>{alive ? 'Alive' : 'Stale'}</span>
                      </td>
                      <td data-label={COLUMNS[6]}>
                        <PostForm action={`/portal/activations/${a.id}/deactivate`} csrfToken={ctx.csrfToken} class="inline-form">
                          <button type="submit" class="button secondary small" aria-label={`Deactivate instance ${a.instanceId}`}>
                            Deactivate
                          </button>
                        </PostForm>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
