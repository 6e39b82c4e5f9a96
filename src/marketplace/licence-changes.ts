import type { Db } from '../db/database.js';
import type { LicenceRow } from '../db/schema.js';
import { licenceTerms } from '../licences/licence.terms.js';
import type { LicencesRepo } from '../licences/licences.repo.js';
import type { Actor, LicenceService } from '../licences/licences.service.js';
import type { CurrentLicence, LicenceChange } from './entitlements.mapping.js';

/** The subscription's licence, if it has one, and its terms as `planLicenceChanges` takes them. */
export async function loadLicence(licences: LicencesRepo, licenceId: string | null, trx: Db): Promise<{ licence: LicenceRow | undefined; current: CurrentLicence | undefined }> {
  const licence = licenceId === null ? undefined : await licences.find(licenceId, trx);
  const current = licence === undefined ? undefined : { ...licenceTerms(licence), plan: licence.plan, seats: licence.seats };
  return { licence, current };
}

/**
 * Carries out the lifecycle changes planned from AWS's terms (entitlements.mapping.ts), in the caller's
 * transaction, through the licence service (so each is a recorded transition). Returns the licence as it
 * ends up, and whether it was created here (the caller links a new licence to its subscription).
 */
export async function applyLicenceChanges(
  licences: LicenceService,
  trx: Db,
  target: { awsAccountId: string; licence: LicenceRow | undefined; startsAt?: Date },
  changes: LicenceChange[],
  by: Actor,
): Promise<{ licence: LicenceRow | undefined; created: boolean }> {
  let current = target.licence;
  let created = false;
  const id = () => {
    if (current === undefined) throw new Error('a lifecycle change needs a licence');
    return current.id;
  };
  for (const change of changes) {
    switch (change.op) {
      case 'create':
        current = await licences.create(
          { awsAccountId: target.awsAccountId, plan: change.plan, seats: change.seats, source: 'marketplace', ...(target.startsAt === undefined ? {} : { startsAt: target.startsAt }), endsAt: change.endsAt },
          'issue',
          by,
          trx,
        );
        created = true;
        break;
      case 'approve':
      case 'renew':
        current = await licences.transition(id(), { action: change.op, endsAt: change.endsAt }, by, trx);
        break;
      case 'expire':
        current = await licences.transition(id(), { action: 'expire' }, by, trx);
        break;
      case 'amend':
        current = await licences.amend(id(), change, by, trx);
        break;
    }
  }
  return { licence: current, created };
}
