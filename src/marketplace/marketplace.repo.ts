import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { MarketplaceSubscriptionRow, MarketplaceSubscriptionStatus } from '../db/schema.js';

/** Who a subscription is: its licence ARN, the buyer's account and the product (as ResolveCustomer, a notification or the entitlements name them). */
export interface SubscriptionIdentity {
  licenceArn: string;
  awsAccountId: string;
  productCode: string;
  customerIdentifier: string | null;
}

export interface HandshakeWithSubscription {
  expiresAt: Date;
  usedAt: Date | null;
  subscription: MarketplaceSubscriptionRow;
  /** Whether a portal account exists for the subscription's AWS account. */
  portalAccountExists: boolean;
}

/** Sets the customer identifier unless one is on record (the first one AWS gave is kept). */
const keepCustomerIdentifier = (customerIdentifier: string) => sql<string>`coalesce(customer_identifier, ${customerIdentifier})`;

/** A new subscription row: not linked to a portal account, no licence yet. */
function newSubscription(identity: SubscriptionIdentity, status: MarketplaceSubscriptionStatus, landedAt: Date | null, now: Date) {
  return {
    licence_arn: identity.licenceArn,
    aws_account_id: identity.awsAccountId,
    product_code: identity.productCode,
    customer_identifier: identity.customerIdentifier,
    status,
    licence_id: null,
    linked_account_id: null,
    linked_at: null,
    landed_at: landedAt,
    provisioned_at: null,
    created_at: now,
    updated_at: now,
  };
}

/** Queries for marketplace_subscriptions (written by landings, links, provisioning and notifications) and the link handshakes. */
export function createMarketplaceRepo(db: Db) {
  return {
    /**
     * Records a landing: a new subscription, or the same licence ARN landing again (updated, never
     * duplicated). A status set by notifications is kept. Undefined when the ARN is on record for
     * another AWS account: the row is left alone.
     */
    async upsertFromLanding(customer: SubscriptionIdentity, now: Date, trx: Db = db): Promise<{ row: MarketplaceSubscriptionRow; inserted: boolean } | undefined> {
      const result = await trx
        .insertInto('marketplace_subscriptions')
        .values(newSubscription(customer, 'subscribed', now, now))
        .onConflict((oc) =>
          oc
            .column('licence_arn')
            .doUpdateSet((eb) => ({
              product_code: eb.ref('excluded.product_code'),
              customer_identifier: sql<string | null>`coalesce(excluded.customer_identifier, marketplace_subscriptions.customer_identifier)`,
              landed_at: eb.ref('excluded.landed_at'),
              updated_at: eb.ref('excluded.updated_at'),
            }))
            .where('marketplace_subscriptions.aws_account_id', '=', (eb) => eb.ref('excluded.aws_account_id')),
        )
        .returningAll()
        // xmax is 0 only on a row this statement inserted.
        .returning(sql<boolean>`(xmax = 0)`.as('inserted'))
        .executeTakeFirst();
      if (result === undefined) return undefined;
      const { inserted, ...row } = result;
      return { row, inserted };
    },

    /**
     * The subscription for this licence ARN, locked; created first (before the buyer ever lands) with
     * `status` when there is none. `created` says which.
     */
    async lockOrCreateSubscription(identity: SubscriptionIdentity, status: MarketplaceSubscriptionStatus, now: Date, trx: Db = db): Promise<{ row: MarketplaceSubscriptionRow; created: boolean }> {
      const inserted = await trx
        .insertInto('marketplace_subscriptions')
        .values(newSubscription(identity, status, null, now))
        .onConflict((oc) => oc.constraint('marketplace_subscriptions_licence_arn').doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted !== undefined) return { row: inserted, created: true };
      const row = await trx.selectFrom('marketplace_subscriptions').selectAll().where('licence_arn', '=', identity.licenceArn).forUpdate().executeTakeFirstOrThrow();
      return { row, created: false };
    },

    async insertHandshake(values: { nonceHash: string; subscriptionId: string; now: Date; expiresAt: Date }, trx: Db = db): Promise<void> {
      await trx
        .insertInto('marketplace_link_handshakes')
        .values({ nonce_hash: values.nonceHash, subscription_id: values.subscriptionId, created_at: values.now, expires_at: values.expiresAt, used_at: null, used_by_account_id: null })
        .execute();
    },

    /** The handshake with its subscription, and whether a portal account has the subscription's AWS account ID: one query. */
    async findHandshake(nonceHash: string, trx: Db = db): Promise<HandshakeWithSubscription | undefined> {
      const found = await trx
        .selectFrom('marketplace_link_handshakes as h')
        .innerJoin('marketplace_subscriptions', 'marketplace_subscriptions.id', 'h.subscription_id')
        .selectAll('marketplace_subscriptions')
        .select((eb) => [
          'h.expires_at as handshake_expires_at',
          'h.used_at as handshake_used_at',
          eb
            .exists(eb.selectFrom('portal_accounts').select(sql<number>`1`.as('one')).whereRef('portal_accounts.aws_account_id', '=', 'marketplace_subscriptions.aws_account_id'))
            .$castTo<boolean>()
            .as('portal_account_exists'),
        ])
        .where('h.nonce_hash', '=', nonceHash)
        .executeTakeFirst();
      if (found === undefined) return undefined;
      const { handshake_expires_at: expiresAt, handshake_used_at: usedAt, portal_account_exists: portalAccountExists, ...subscription } = found;
      return { expiresAt, usedAt, subscription, portalAccountExists };
    },

    /** Spends the handshake exactly once: of two requests racing, one gets true. */
    async spendHandshake(nonceHash: string, subscriptionId: string, accountId: string, now: Date, trx: Db = db): Promise<boolean> {
      const spent = await trx
        .updateTable('marketplace_link_handshakes')
        .set({ used_at: now, used_by_account_id: accountId })
        .where('nonce_hash', '=', nonceHash)
        .where('subscription_id', '=', subscriptionId)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .returning('nonce_hash')
        .executeTakeFirst();
      return spent !== undefined;
    },

    async deleteExpiredHandshakes(now: Date, trx: Db = db): Promise<number> {
      const result = await trx.deleteFrom('marketplace_link_handshakes').where('expires_at', '<', new Date(now.getTime() - 86_400_000)).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async link(subscriptionId: string, accountId: string, now: Date, trx: Db = db): Promise<void> {
      await trx
        .updateTable('marketplace_subscriptions')
        .set((eb) => ({ linked_account_id: accountId, linked_at: eb.fn.coalesce('linked_at', sql<Date>`${now}`), updated_at: now }))
        .where('id', '=', subscriptionId)
        .execute();
    },

    find(id: string, trx: Db = db): Promise<MarketplaceSubscriptionRow | undefined> {
      return trx.selectFrom('marketplace_subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
    },

    findForUpdate(id: string, trx: Db = db): Promise<MarketplaceSubscriptionRow | undefined> {
      return trx.selectFrom('marketplace_subscriptions').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    },

    /**
     * By licence id (`licenceIdOf` of the ARN): an indexed match that finds the subscription however the
     * notification writes the ARN (with or without "arn:", a region or not).
     */
    findSubscriptionByLicence(licenceId: string, trx: Db = db): Promise<MarketplaceSubscriptionRow | undefined> {
      return trx.selectFrom('marketplace_subscriptions').selectAll().where('aws_licence_id', '=', licenceId).orderBy('created_at').limit(1).executeTakeFirst();
    },

    /** The subscriptions a portal licence came from (the admin panel's "Marketplace origin"). */
    subscriptionsForPortalLicence(licenceId: string, trx: Db = db): Promise<MarketplaceSubscriptionRow[]> {
      return trx.selectFrom('marketplace_subscriptions').selectAll().where('licence_id', '=', licenceId).orderBy('created_at').execute();
    },

    findSubscriptionsByCustomer(productCode: string, customerIdentifier: string, trx: Db = db): Promise<MarketplaceSubscriptionRow[]> {
      return trx.selectFrom('marketplace_subscriptions').selectAll().where('product_code', '=', productCode).where('customer_identifier', '=', customerIdentifier).execute();
    },

    findSubscriptionsByAccount(awsAccountId: string, productCode: string, trx: Db = db): Promise<MarketplaceSubscriptionRow[]> {
      return trx.selectFrom('marketplace_subscriptions').selectAll().where('aws_account_id', '=', awsAccountId).where('product_code', '=', productCode).execute();
    },

    /** Every subscription of the AWS account, whatever the product, newest first (the admin panel's customer page). */
    listSubscriptionsForAccount(awsAccountId: string, trx: Db = db): Promise<MarketplaceSubscriptionRow[]> {
      return trx.selectFrom('marketplace_subscriptions').selectAll().where('aws_account_id', '=', awsAccountId).orderBy('created_at', 'desc').execute();
    },

    async setSubscriptionStatus(id: string, status: MarketplaceSubscriptionStatus, now: Date, trx: Db = db): Promise<void> {
      await trx.updateTable('marketplace_subscriptions').set({ status, updated_at: now }).where('id', '=', id).execute();
    },

    /** Records the customer identifier once learned (SNS messages name the customer only by it); one on record is kept. */
    async rememberCustomerIdentifier(id: string, customerIdentifier: string, now: Date, trx: Db = db): Promise<void> {
      await trx
        .updateTable('marketplace_subscriptions')
        .set({ customer_identifier: keepCustomerIdentifier(customerIdentifier), updated_at: now })
        .where('id', '=', id)
        .execute();
    },

    /** The licence created for the subscription by a notification (before or without the buyer's provisioning). */
    async linkLicence(id: string, licenceId: string, now: Date, trx: Db = db): Promise<void> {
      await trx.updateTable('marketplace_subscriptions').set({ licence_id: licenceId, updated_at: now }).where('id', '=', id).execute();
    },

    /** `customerIdentifier` from the entitlements, if AWS gave one: SNS notifications name the customer only by it. */
    async recordProvisioned(id: string, provisioned: { licenceId: string; now: Date; customerIdentifier?: string | undefined }, trx: Db = db): Promise<void> {
      await trx
        .updateTable('marketplace_subscriptions')
        .set({
          licence_id: provisioned.licenceId,
          provisioned_at: provisioned.now,
          updated_at: provisioned.now,
          ...(provisioned.customerIdentifier === undefined ? {} : { customer_identifier: keepCustomerIdentifier(provisioned.customerIdentifier) }),
        })
        .where('id', '=', id)
        .execute();
    },
  };
}

export type MarketplaceRepo = ReturnType<typeof createMarketplaceRepo>;
