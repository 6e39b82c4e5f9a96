import { formatAccountId } from '../core/account-id.js';
import { displayStatus, type LicenceStatus } from '../licences/licence.lifecycle.js';
import type { LicenceRow } from '../db/schema.js';
import { Badge } from './admin-table.js';
import { ReasonField } from './reason-field.js';

/** Pieces the admin panel's licence pages share. */

export const STATUS_LABELS: Record<LicenceStatus, string> = { requested: 'Requested', active: 'Active', suspended: 'Suspended', expired: 'Expired', revoked: 'Revoked' };
export const SOURCE_LABELS: Record<string, string> = { direct: 'Direct', marketplace: 'AWS Marketplace', trial: 'Trial' };

/** Which form on a page failed, so its fields show the errors and take the focus. */
export interface LicenceFormProblem {
  form: string;
  message: string;
  fields: Record<string, string[]>;
}

export const shortId = (id: string) => id.slice(0, 8);

/** The stored status, coloured as customers would see it (an active licence near its end shows as expiring). */
export function StatusBadge({ licence, now }: { licence: LicenceRow; now: Date }) {
  const status = licence.status as LicenceStatus;
  const shown = displayStatus({ status, startsAt: licence.starts_at, endsAt: licence.ends_at }, now);
  return <Badge label={shown === 'expiring' ? `${STATUS_LABELS[status]} · ends soon` : STATUS_LABELS[status]} tone={shown} />;
}

/** The AWS account, written as the console writes it, linking to the customer's page. */
export function AccountLink({ awsAccountId }: { awsAccountId: string }) {
  return (
    <a class="mono" href={`/admin/customers/${awsAccountId}`}>
      {formatAccountId(awsAccountId)}
    </a>
  );
}

/** The reason every licence change asks for (several forms per page: ids by form); one line inside a table row. */
export function LicenceReason({ form, problem, compact = false }: { form: string; problem: LicenceFormProblem | undefined; compact?: boolean }) {
  return <ReasonField id={`${form}-reason`} errors={errorsFor(problem, form, 'reason')} compact={compact} />;
}

export const errorsFor = (problem: LicenceFormProblem | undefined, form: string, field: string) => (problem?.form === form ? problem.fields[field] : undefined);
