import type { ComponentChildren } from 'preact';
import type { LicenceRow } from '../db/schema.js';
import { formatAccountId } from '../core/account-id.js';
import { formatDate } from '../web/format.js';
import { PortalLayout } from '../web/portal-layout.js';
import type { ViewContext } from '../web/view-context.js';
import { displayStatus, type DisplayStatus } from './licence.lifecycle.js';
import { licenceTerms } from './licence.terms.js';
import { TableHead } from '../web/table-head.js';

const STATUS_LABEL: Record<DisplayStatus, string> = {
  pending: 'Pending',
  active: 'Active',
  expiring: 'Expiring',
  suspended: 'Suspended',
  expired: 'Expired',
  revoked: 'Revoked',
};

const SOURCE_LABEL: Record<string, string> = { direct: 'Direct', marketplace: 'AWS Marketplace', trial: 'Trial' };

/** Column headings; on narrow screens each cell shows its heading beside the value (data-label). */
const COLUMNS = ['Plan', 'Status', 'Seats used / total', 'Starts', 'Ends', 'Source', 'Licence ID'] as const;

/** The page around the licence list; `listHtml` is LicenceList rendered by preact (already escaped). */
export function EntitlementsPage({ ctx, awsAccountId, listHtml, activations }: { ctx: ViewContext; awsAccountId: string; listHtml: string; activations: ComponentChildren }) {
  return (
    <PortalLayout title="My Entitlements" ctx={ctx}>
      <div class="page-head">
        <div>
          <h1>My Entitlements</h1>
          <p class="lead">WebStream licences held by AWS account {formatAccountId(awsAccountId)}.</p>
        </div>
      </div>
      <div dangerouslySetInnerHTML={{ __html: listHtml }} />
      {activations}
    </PortalLayout>
  );
}

/** The account's licences, or what to do when there are none. Cached per account (rendered-list.cache.ts). */
export function LicenceList({ licences, seatsInUse, now }: { licences: LicenceRow[]; seatsInUse: ReadonlyMap<string, number>; now: Date }) {
  if (licences.length === 0) {
    return (
      <div class="card empty">
        <h2>No licences yet</h2>
        <p>This AWS account holds no WebStream licences at the moment. Subscribe to WebStream on AWS Marketplace, request a licence from your WebStream instance's admin panel, or contact your WebStream account team.</p>
      </div>
    );
  }
  return (
    <div class="table-wrap">
      <table class="licences">
        <caption class="visually-hidden">Licences</caption>
        <TableHead columns={COLUMNS} />
        <tbody>
          {licences.map((licence) => {
            const status = displayStatus(licenceTerms(licence), now);
            return (
              <tr key={licence.id}>
                <td class="plan" data-label={COLUMNS[0]}>
                  {licence.plan}
                </td>
                <td data-label={COLUMNS[1]}>
                  <span class={`status status-${status}`}>{STATUS_LABEL[status]}</span>
                </td>
                <td data-label={COLUMNS[2]}>{`${seatsInUse.get(licence.id) ?? 0} / ${licence.seats}`}</td>
                <td data-label={COLUMNS[3]}>{formatDate(licence.starts_at)}</td>
                <td data-label={COLUMNS[4]}>{formatDate(licence.ends_at)}</td>
                <td class="source" data-label={COLUMNS[5]}>
                  {SOURCE_LABEL[licence.source] ?? licence.source}
                </td>
                <td class="mono" data-label={COLUMNS[6]}>
                  {licence.id.slice(0, 8)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
