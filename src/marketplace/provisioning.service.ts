import type { Logger } from 'pino';
import type { ClientInfo } from '../core/client-info.js';
import type { AuditLog } from '../audit/audit.repo.js';
import type { Clock } from '../core/clock.js';
import type { Db } from '../db/database.js';
import type { LicenceRow, MarketplaceSubscriptionRow } from '../db/schema.js';
import type { LicencesRepo } from '../licences/licences.repo.js';
import type { Actor, LicenceService } from '../licences/licences.service.js';
import type { Entitlement, MarketplaceAws } from './aws.types.js';
import { desiredLicence, planLicenceChanges, type LicenceChange } from './entitlements.mapping.js';
import { applyLicenceChanges, loadLicence } from './licence-changes.js';
import { awsErrorFields, awsProblem, linkErrors, MarketplaceError } from './marketplace.errors.js';
import type { MarketplaceRepo } from './marketplace.repo.js';
import { isEntitled } from './subscription.rules.js';

const ACTOR: Actor = { actor: 'marketplace', reason: 'AWS Marketplace entitlements' };

export interface Provisioned {
  licence: LicenceRow;
  /** The lifecycle operations applied, in order (empty when the licence already matched AWS). */
  changes: LicenceChange['op'][];
}

const notSubscribed = () =>
  new MarketplaceError('marketplace_not_subscribed', 'This subscription is not active', 'AWS Marketplace reports that this subscription has ended or did not go through, so there is no licence to set up. Check the subscription in AWS Marketplace, or contact WebStream support.', 409);
const contractEnded = () =>
  new MarketplaceError('marketplace_contract_ended', 'This contract has ended', 'AWS Marketplace shows no current entitlement for this subscription: the contract has ended. Renew it in AWS Marketplace, then come back here.', 409);
const licenceRevoked = () =>
  new MarketplaceError('marketplace_licence_revoked', 'This licence was revoked', 'The WebStream licence for this subscription has been revoked by WebStream, so it cannot be set up again here. Please contact WebStream support.', 409);

export function createProvisioningService(deps: {
  db: Db;
  subscriptions: MarketplaceRepo;
  licencesRepo: LicencesRepo;
  clock: Clock;
  audit: AuditLog;
  logger: Logger;
  clients: MarketplaceAws;
  licences: LicenceService;
}) {
  const repo = deps.subscriptions;

  /** Every entitlement of the buyer for the product (all pages, all dimensions); a failure becomes the buyer's error page. */
  async function readEntitlements(subscription: MarketplaceSubscriptionRow): Promise<Entitlement[]> {
    try {
      return await deps.clients.entitlements(subscription.product_code, { awsAccountId: subscription.aws_account_id });
    } catch (error) {
      const problem = awsProblem(error, 'provisioning');
      deps.logger.error({ ...awsErrorFields(error), subscriptionId: subscription.id }, 'GetEntitlements failed');
      throw problem;
    }
  }

  return {
    /**
     * Reads the buyer's entitlements from AWS, then creates or updates the subscription's licence through
     * the lifecycle, all in one transaction with the subscription locked (a double submit changes nothing twice).
     */
    async provision(subscriptionId: string, account: { id: string; awsAccountId: string }, client: ClientInfo): Promise<Provisioned> {
      const subscription = await repo.find(subscriptionId);
      if (!isOwnedBy(subscription, account.awsAccountId)) throw linkErrors.subscriptionNotFound();
      if (!isEntitled(subscription.status)) throw notSubscribed();

      // AWS is read before the transaction: no row stays locked while a remote call is in flight.
      const entitlements = await readEntitlements(subscription);
      const now = deps.clock.now();
      const desired = desiredLicence(entitlements, { productCode: subscription.product_code, awsAccountId: subscription.aws_account_id, licenceArn: subscription.licence_arn, now });

      return deps.db.transaction().execute(async (trx) => {
        const locked = await repo.findForUpdate(subscriptionId, trx);
        if (!isOwnedBy(locked, account.awsAccountId)) throw linkErrors.subscriptionNotFound();
        if (!isEntitled(locked.status)) throw notSubscribed();
        const { licence, current } = await loadLicence(deps.licencesRepo, locked.licence_id, trx);
        const plan = planLicenceChanges(current, desired, now);
        if (!plan.ok) throw plan.reason === 'revoked' ? licenceRevoked() : contractEnded();
        const result = requireLicence((await applyLicenceChanges(deps.licences, trx, { awsAccountId: locked.aws_account_id, licence }, plan.changes, ACTOR)).licence);
        const customerIdentifier = entitlements.find((e) => e.customerIdentifier !== undefined && e.customerIdentifier !== '')?.customerIdentifier;
        await repo.recordProvisioned(locked.id, { licenceId: result.id, now, customerIdentifier }, trx);
        await deps.audit.record(
          {
            event: 'marketplace.provisioned',
            actor: `account:${account.awsAccountId}`,
            awsAccountId: account.awsAccountId,
            ip: client.ip,
            details: { subscriptionId: locked.id, licenceId: result.id, changes: plan.changes.map((c) => c.op), entitlements: entitlements.length, plan: result.plan, seats: result.seats, endsAt: result.ends_at?.toISOString() ?? null },
          },
          trx,
        );
        return { licence: result, changes: plan.changes.map((c) => c.op) };
      });
    },

    /** The subscription, if this account owns it (for the progress page). */
    async findOwned(subscriptionId: string, awsAccountId: string): Promise<MarketplaceSubscriptionRow | undefined> {
      const row = await repo.find(subscriptionId);
      return isOwnedBy(row, awsAccountId) ? row : undefined;
    },
  };
}

/** Linked to the portal account of this AWS account (only its owner sees or provisions a subscription). */
function isOwnedBy(row: MarketplaceSubscriptionRow | undefined, awsAccountId: string): row is MarketplaceSubscriptionRow {
  return row !== undefined && row.aws_account_id === awsAccountId && row.linked_at !== null;
}

function requireLicence(licence: LicenceRow | undefined): LicenceRow {
  if (licence === undefined) throw new Error('a lifecycle change needs a licence');
  return licence;
}

export type ProvisioningService = ReturnType<typeof createProvisioningService>;
