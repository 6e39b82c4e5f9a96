import type { AuditLog } from '../audit/audit.repo.js';
import type { Clock } from '../core/clock.js';
import type { Db } from '../db/database.js';
import type { LicenceRow } from '../db/schema.js';
import type { LicencesRepo } from '../licences/licences.repo.js';
import type { LicenceService } from '../licences/licences.service.js';
import type { SettingsRepo } from '../settings/settings.repo.js';
import type { ProvenInstance } from './instance-proof.js';

export interface LicenceRequestInput {
  proven: ProvenInstance;
  contactEmail?: string;
  plan?: string;
  note?: string;
  ip: string;
}

/** `existing`: the account already had an open request or a usable licence, which is the answer. */
export type LicenceRequestOutcome = 'trial_granted' | 'requested' | 'existing';

const DEFAULT_PLAN = 'standard';

/** The account's licence a new request would duplicate: an open request, or one usable now (active, started, not ended). */
function openOrUsable(licences: readonly LicenceRow[], now: Date): LicenceRow | undefined {
  const usable = licences.filter((l) => l.status === 'active' && l.starts_at <= now && (l.ends_at === null || l.ends_at > now));
  usable.sort((a, b) => (b.ends_at?.getTime() ?? Infinity) - (a.ends_at?.getTime() ?? Infinity));
  return usable[0] ?? licences.find((l) => l.status === 'requested');
}

/**
 * Licence requests from WebStream instances: the trial policy grants one at once (once per AWS account, a
 * unique index makes sure), otherwise the request waits for staff as a `requested` licence (one open per
 * account, also a unique index). Requests from one account are serialised by a transaction-scoped advisory lock.
 */
export function createLicenceRequestService(deps: { db: Db; clock: Clock; audit: AuditLog; licences: LicenceService; licencesRepo: LicencesRepo; settings: SettingsRepo }) {
  return {
    async request(input: LicenceRequestInput): Promise<{ outcome: LicenceRequestOutcome; licence: LicenceRow }> {
      const policy = (await deps.settings.get()).licenceApi;
      const account = input.proven.accountId;
      return deps.db.transaction().execute(async (trx) => {
        await deps.licencesRepo.lockAccountLicences(account, trx);
        const now = deps.clock.now();
        const licences = await deps.licencesRepo.listForAccount(account, trx);
        const existing = openOrUsable(licences, now);
        const details = { instanceId: input.proven.instanceId, region: input.proven.region, plan: input.plan ?? null, note: input.note ?? null, ip: input.ip };
        if (existing !== undefined) {
          await deps.audit.record({ event: 'licence_request.received', actor: `instance:${input.proven.instanceId}`, awsAccountId: account, ip: input.ip, details: { ...details, outcome: 'existing', licenceId: existing.id } }, trx);
          return { outcome: 'existing' as const, licence: existing };
        }
        const hadTrial = licences.some((l) => l.source === 'trial');
        const grantTrial = policy.trialsEnabled && !hadTrial;
        const by = { actor: `instance:${input.proven.instanceId}`, reason: grantTrial ? `Trial granted by policy (${policy.trialDays} days, ${policy.trialSeats} seats)` : 'Requested through the licence API' };
        const created = await deps.licences.create(
          {
            awsAccountId: account,
            plan: input.plan ?? DEFAULT_PLAN,
            seats: grantTrial ? policy.trialSeats : 1,
            source: grantTrial ? 'trial' : 'direct',
            startsAt: now,
            endsAt: grantTrial ? new Date(now.getTime() + policy.trialDays * 86_400_000) : null,
            contactEmail: input.contactEmail ?? null,
          },
          grantTrial ? 'issue' : 'request',
          by,
          trx,
        );
        const licence = await deps.licencesRepo.update(created.id, { request_note: input.note ?? null, requested_by_instance: input.proven.instanceId }, trx);
        const outcome: LicenceRequestOutcome = grantTrial ? 'trial_granted' : 'requested';
        await deps.audit.record({ event: 'licence_request.received', actor: `instance:${input.proven.instanceId}`, awsAccountId: account, ip: input.ip, details: { ...details, outcome, licenceId: licence.id } }, trx);
        return { outcome, licence };
      });
    },
  };
}

export type LicenceRequestService = ReturnType<typeof createLicenceRequestService>;
