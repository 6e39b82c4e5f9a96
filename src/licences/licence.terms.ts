import type { LicenceRow } from '../db/schema.js';
import type { LicenceStatus, LicenceTerms } from './licence.lifecycle.js';

/**
 * A stored licence as the lifecycle sees it: status and dates. Plan and seats are left out: no
 * transition or displayed status depends on them. The cast is safe: a check constraint (migration 0001)
 * keeps the status column to the lifecycle's statuses.
 */
export function licenceTerms(licence: Pick<LicenceRow, 'status' | 'starts_at' | 'ends_at'>): LicenceTerms {
  return { status: licence.status as LicenceStatus, startsAt: licence.starts_at, endsAt: licence.ends_at };
}
