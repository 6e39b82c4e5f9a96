import { GetEntitlementsCommand, type Entitlement } from '@aws-sdk/client-marketplace-entitlement-service';
import type { Logger } from 'pino';
import type { ClientInfo } from '../accounts/registration.service.js';
import type { AuditLog } from '../audit/audit.repo.js';
import type { Clock } from '../config/clock.js';
import type { Db } from '../db/database.js';
import type { LicenceRow, MarketplaceSubscriptionRow } from '../db/schema.js';
import type { LicenceStatus } from '../licences/licence.lifecycle.js';
import type { Actor, LicenceService } from '../licences/licences.service.js';
import type { MarketplaceClients } from './aws-clients.js';
import { desiredLicence, planLicenceChanges, type LicenceChange } from './entitlements.mapping.js';
import { applyLicenceChanges } from './licence-changes.js';
import { awsProblem, linkErrors, MarketplaceError } from './marketplace.errors.js';
import { createMarketplaceRepo } from './marketplace.repo.js';

/** A guard against a service that never stops handing out NextTokens; far beyond any real account. */
const MAX_PAGES = 200;
const ACTOR: Actor = { actor: 'marketplace', reason: 'AWS Marketplace entitlements' };

/** Statuses in which AWS still entitles the buyer (unsubscribe-pending ends only after the final metering hour). */
const ENTITLED_STATUSES: readonly MarketplaceSubscriptionRow['status'][] = ['subscribed', 'unsubscribe_pending'];

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

export function createProvisioningService(deps: { db: Db; clock: Clock; audit: AuditLog; logger: Logger; clients: MarketplaceClients; licences: LicenceService }) {
  const repo = createMarketplaceRepo(deps.db);

  /** Every entitlement of the buyer for the product: all pages (a page may be empty and still carry a NextToken), all dimensions. */
  async function readEntitlements(subscription: MarketplaceSubscriptionRow): Promise<Entitlement[]> {
    const all: Entitlement[] = [];
    let nextToken: string | undefined;
    try {
      for (let page = 0; page < MAX_PAGES; page += 1) {
        const result = await deps.clients.entitlements.send(
          new GetEntitlementsCommand({ ProductCode: subscription.product_code, Filter: { CUSTOMER_AWS_ACCOUNT_ID: [subscription.aws_account_id] }, ...(nextToken === undefined ? {} : { NextToken: nextToken }) }),
        );
        all.push(...(result.Entitlements ?? []));
        nextToken = result.NextToken === '' ? undefined : result.NextToken;
        if (nextToken === undefined) return all;
      }
      throw new Error(`GetEntitlements returned a NextToken on more than ${MAX_PAGES} pages`);
    } catch (error) {
      const problem = awsProblem(error, 'provisioning');
      deps.logger.error({ awsError: error instanceof Error ? error.name : 'unknown', awsMessage: error instanceof Error ? error.message : undefined, subscriptionId: subscription.id }, 'GetEntitlements failed');
      throw problem;
    }
  }

  return {
    /**
     * Reads the buyer's entitlements from AWS, then creates or updates the subscription's licence through
     * the lifecycle, all in one transaction with the subscription locked (a double submit changes nothing twice).
     */
    async provision(subscriptionId: string, account: { id: string; awsAccountId: string }, client: ClientInfo): Promise<Provisioned> {
      const owned = (row: MarketplaceSubscriptionRow | undefined): row is MarketplaceSubscriptionRow => row !== undefined && row.aws_account_id === account.awsAccountId && row.linked_at !== null;
      const subscription = await repo.find(subscriptionId);
      if (!owned(subscription)) throw linkErrors.subscriptionNotFound();
      if (!ENTITLED_STATUSES.includes(subscription.status)) throw notSubscribed();

      // AWS is read before the transaction: no row stays locked while a remote call is in flight.
      const entitlements = await readEntitlements(subscription);
      const now = deps.clock.now();
      const desired = desiredLicence(entitlements, { productCode: subscription.product_code, awsAccountId: subscription.aws_account_id, licenceArn: subscription.licence_arn, now });

      return deps.db.transaction().execute(async (trx) => {
        const locked = await repo.findForUpdate(trx, subscriptionId);
        if (!owned(locked)) throw linkErrors.subscriptionNotFound();
        if (!ENTITLED_STATUSES.includes(locked.status)) throw notSubscribed();
        const licence = locked.licence_id === null ? undefined : await trx.selectFrom('licences').selectAll().where('id', '=', locked.licence_id).executeTakeFirst();
        const current = licence === undefined ? undefined : { status: licence.status as LicenceStatus, plan: licence.plan, seats: licence.seats, startsAt: licence.starts_at, endsAt: licence.ends_at };
        const plan = planLicenceChanges(current, desired, now);
        if (!plan.ok) throw plan.reason === 'revoked' ? licenceRevoked() : contractEnded();
        const result = requireLicence((await applyLicenceChanges(deps.licences, trx, { awsAccountId: locked.aws_account_id, licence }, plan.changes, ACTOR)).licence);
        const customerIdentifier = entitlements.find((e) => e.CustomerIdentifier !== undefined && e.CustomerIdentifier !== '')?.CustomerIdentifier;
        await repo.recordProvisioned(trx, locked.id, result.id, now, customerIdentifier);
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
      return row !== undefined && row.aws_account_id === awsAccountId && row.linked_at !== null ? row : undefined;
    },
  };
}

function requireLicence(licence: LicenceRow | undefined): LicenceRow {
  if (licence === undefined) throw new Error('a lifecycle change needs a licence');
  return licence;
}

export type ProvisioningService = ReturnType<typeof createProvisioningService>;
