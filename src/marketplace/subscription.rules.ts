/** Pure rules about Marketplace subscriptions, shared by provisioning and notifications. */
import type { MarketplaceSubscriptionStatus } from '../db/schema.js';

/** Statuses in which AWS still entitles the buyer (unsubscribe-pending lasts until the final metering hour ends). */
const ENTITLED_STATUSES: readonly MarketplaceSubscriptionStatus[] = ['subscribed', 'unsubscribe_pending'];

/** A subscription id as the database makes them (gen_random_uuid: lower-case hex); the string for schemas, the RegExp for code. */
export const SUBSCRIPTION_ID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
export const SUBSCRIPTION_ID = new RegExp(SUBSCRIPTION_ID_PATTERN);

export const isEntitled = (status: MarketplaceSubscriptionStatus): boolean => ENTITLED_STATUSES.includes(status);

/**
 * The licence id (`l-…`) of a License Manager licence ARN: the part after its last ':' or '/'. ARNs of one
 * licence arrive written differently (with or without "arn:", a region or not), so matching uses this.
 * The database computes the same value into marketplace_subscriptions.aws_licence_id (migration 0006).
 */
export function licenceIdOf(licenceArn: string): string {
  return licenceArn.slice(Math.max(licenceArn.lastIndexOf(':'), licenceArn.lastIndexOf('/')) + 1);
}
