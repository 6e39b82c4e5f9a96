import type { AuditLog } from '../audit/audit.repo.js';
import type { Clock } from '../core/clock.js';
import type { Db } from '../db/database.js';
import type { LicenceRow, MarketplaceNotificationRow, MarketplaceSubscriptionRow, MarketplaceSubscriptionStatus } from '../db/schema.js';
import type { LicencesRepo } from '../licences/licences.repo.js';
import type { Actor, LicenceService } from '../licences/licences.service.js';
import type { Entitlement, EntitlementFilter, MarketplaceAws } from './aws.types.js';
import { TooManyEntitlementPagesError } from './entitlements.fetch.js';
import { desiredLicence, planLicenceChanges, type LicenceChange } from './entitlements.mapping.js';
import { applyLicenceChanges, loadLicence } from './licence-changes.js';
import { AwsCallError } from './marketplace.errors.js';
import type { MarketplaceRepo, SubscriptionIdentity } from './marketplace.repo.js';
import type { MarketplaceNotification, NotificationEffect } from './notification.parse.js';
import type { FinishedNotification, NotificationRepo } from './notification.repo.js';
import { isEntitled, licenceIdOf } from './subscription.rules.js';

/** A failure worth trying again later (AWS throttling or unreachable); anything else fails the notification for good. */
export class TransientNotificationError extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'TransientNotificationError';
  }
}

/** The subscription status each effect leads to ("update" changes terms, not status). */
const STATUS_AFTER: Record<NotificationEffect, MarketplaceSubscriptionStatus | undefined> = {
  activate: 'subscribed',
  fail: 'subscribe_failed',
  ending: 'unsubscribe_pending',
  end: 'unsubscribed',
  update: undefined,
};

type Target = { kind: 'found'; subscription: MarketplaceSubscriptionRow; learnedCustomerIdentifier?: string } | { kind: 'new'; identity: SubscriptionIdentity } | { kind: 'unresolved'; reason: string };

/** What `prepare` found out before the transaction: settled already, or a subscription to lock and the terms read from AWS. */
export type Prepared =
  | { kind: 'settled'; result: FinishedNotification }
  | { kind: 'apply'; target: Exclude<Target, { kind: 'unresolved' }>; entitlements: Entitlement[] };

export interface ApplyDeps {
  db: Db;
  clock: Clock;
  audit: AuditLog;
  clients: MarketplaceAws;
  licences: LicenceService;
  licencesRepo: LicencesRepo;
  notifications: NotificationRepo;
  subscriptions: MarketplaceRepo;
}

/**
 * Applies one notification: `prepare` finds the subscription and reads AWS outside any transaction; `apply`,
 * in the caller's transaction (which holds the notification's row lock), creates or locks the subscription,
 * sets its status unless a later notification already did, and brings the licence there through the lifecycle.
 */
export function createNotificationApplier(deps: ApplyDeps) {
  const { notifications, subscriptions } = deps;

  /** Any failure to read AWS is worth trying again later. */
  async function readEntitlements(productCode: string, filter: EntitlementFilter): Promise<Entitlement[]> {
    try {
      return await deps.clients.entitlements(productCode, filter);
    } catch (error) {
      if (error instanceof TooManyEntitlementPagesError) throw new TransientNotificationError(error.message);
      const detail = error instanceof AwsCallError ? error.detail : error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new TransientNotificationError(`GetEntitlements failed: ${detail}`, { cause: error });
    }
  }

  /** Which subscription the notification is about: on record, to be created, or not identifiable. */
  async function identify(trx: Db, n: MarketplaceNotification, productCode: string): Promise<{ target: Target; entitlements?: Entitlement[] }> {
    if (n.licenceArn !== undefined && n.licenceId !== undefined) {
      const subscription = await subscriptions.findSubscriptionByLicence(n.licenceId, trx);
      if (subscription !== undefined) return { target: { kind: 'found', subscription } };
      if (n.awsAccountId !== undefined) return { target: { kind: 'new', identity: { licenceArn: n.licenceArn, awsAccountId: n.awsAccountId, productCode, customerIdentifier: n.customerIdentifier ?? null } } };
    }
    if (n.customerIdentifier !== undefined) {
      const known = await subscriptions.findSubscriptionsByCustomer(productCode, n.customerIdentifier, trx);
      if (known.length === 1 && known[0] !== undefined) return { target: { kind: 'found', subscription: known[0] } };
      // New integrations never learn the identifier from ResolveCustomer: AWS maps it to the account and licence.
      const entitlements = await readEntitlements(productCode, { customerIdentifier: n.customerIdentifier });
      return { target: await fromEntitlements(trx, entitlements, productCode, n.customerIdentifier), entitlements };
    }
    if (n.awsAccountId !== undefined) {
      const rows = await subscriptions.findSubscriptionsByAccount(n.awsAccountId, productCode, trx);
      if (rows.length === 1 && rows[0] !== undefined) return { target: { kind: 'found', subscription: rows[0] } };
      const entitlements = await readEntitlements(productCode, { awsAccountId: n.awsAccountId });
      return { target: await fromEntitlements(trx, entitlements, productCode, null), entitlements };
    }
    return { target: { kind: 'unresolved', reason: 'The notification names a licence ARN without the buyer account, and no subscription has that licence.' } };
  }

  async function fromEntitlements(trx: Db, entitlements: Entitlement[], productCode: string, customerIdentifier: string | null): Promise<Target> {
    const licences = new Map<string, string>();
    for (const e of entitlements) if (e.licenceArn !== undefined && e.awsAccountId !== undefined) licences.set(e.licenceArn, e.awsAccountId);
    const who = customerIdentifier === null ? 'this account' : `customer identifier ${customerIdentifier}`;
    if (licences.size === 0) return { kind: 'unresolved', reason: `No subscription on record for ${who}, and AWS lists no current entitlement naming its licence.` };
    if (licences.size > 1) return { kind: 'unresolved', reason: `AWS lists ${licences.size} licences for ${who}; the notification does not say which one it is about.` };
    const [[licenceArn, awsAccountId]] = [...licences] as [[string, string]];
    const subscription = await subscriptions.findSubscriptionByLicence(licenceIdOf(licenceArn), trx);
    if (subscription !== undefined) return customerIdentifier === null ? { kind: 'found', subscription } : { kind: 'found', subscription, learnedCustomerIdentifier: customerIdentifier };
    return { kind: 'new', identity: { licenceArn, awsAccountId, productCode, customerIdentifier } };
  }

  /** `startsAt`: a licence made from a notification starts when AWS says the subscription did, not when it was processed. */
  async function changeLicence(trx: Db, subscription: MarketplaceSubscriptionRow, licence: LicenceRow | undefined, changes: LicenceChange[], by: Actor, startsAt: Date): Promise<LicenceRow | undefined> {
    const result = await applyLicenceChanges(deps.licences, trx, { awsAccountId: subscription.aws_account_id, licence, startsAt }, changes, by);
    if (result.created && result.licence !== undefined) await subscriptions.linkLicence(subscription.id, result.licence.id, deps.clock.now(), trx);
    return result.licence;
  }

  /**
   * Everything that needs no lock, before the transaction: which subscription, and the terms from AWS
   * (no row stays locked and no connection is held while a remote call is in flight). Some notifications
   * are settled here (another product, a customer that cannot be identified).
   */
  async function prepare(n: MarketplaceNotification, productCode: string): Promise<Prepared> {
    const settled = (status: 'ignored' | 'failed', outcome: string): Prepared => ({ kind: 'settled', result: { status, outcome, subscriptionId: null, statusSet: null } });
    if (n.productCode !== undefined && n.productCode !== productCode) return settled('ignored', `For product ${n.productCode}, not this portal's product ${productCode}.`);
    const { target, entitlements: seen } = await identify(deps.db, n, productCode);
    if (target.kind === 'unresolved') {
      // An ending we cannot place may leave a licence running: staff should look at it.
      return n.effect === 'end' || n.effect === 'ending' ? settled('failed', target.reason) : settled('ignored', `${target.reason} Nothing to change.`);
    }
    const needsTerms = n.effect === 'activate' || n.effect === 'update';
    const accountId = target.kind === 'new' ? target.identity.awsAccountId : target.subscription.aws_account_id;
    const entitlements = needsTerms ? (seen ?? (await readEntitlements(productCode, { awsAccountId: accountId }))) : [];
    return { kind: 'apply', target, entitlements };
  }

  /** Applies the notification in the caller's transaction (which holds the notification row); the result is stored on that row. */
  async function apply(trx: Db, n: MarketplaceNotification, row: MarketplaceNotificationRow, prepared: Prepared, productCode: string): Promise<FinishedNotification> {
    if (prepared.kind === 'settled') return prepared.result;
    const { target, entitlements } = prepared;
    const ignored = (outcome: string, subscriptionId: string | null = null): FinishedNotification => ({ status: 'ignored', outcome, subscriptionId, statusSet: null });
    const nextStatus = STATUS_AFTER[n.effect];
    const now = deps.clock.now();

    let subscription: MarketplaceSubscriptionRow;
    let created = false;
    if (target.kind === 'new') {
      const { identity } = target;
      if (n.effect === 'update' && desiredLicence(entitlements, { productCode, awsAccountId: identity.awsAccountId, licenceArn: identity.licenceArn, now }).kind === 'ended') {
        return ignored('No subscription on record for this licence and no entitlement in force: nothing to update.');
      }
      // Created here if still new; if another notification (or the landing) created it meanwhile, that row is locked instead.
      ({ row: subscription, created } = await subscriptions.lockOrCreateSubscription(identity, nextStatus ?? 'subscribed', now, trx));
    } else {
      const locked = await subscriptions.findForUpdate(target.subscription.id, trx);
      if (locked === undefined) throw new TransientNotificationError('The subscription was deleted while the notification was applied.');
      subscription = locked;
    }
    const namedAccount = target.kind === 'new' ? target.identity.awsAccountId : n.awsAccountId;
    if (namedAccount !== undefined && namedAccount !== subscription.aws_account_id) {
      return { status: 'failed', outcome: `The licence ${subscription.licence_arn} is on record for AWS account ${subscription.aws_account_id}, but the notification is about ${namedAccount}. Nothing was changed.`, subscriptionId: subscription.id, statusSet: null };
    }
    const learned = target.kind === 'found' ? target.learnedCustomerIdentifier : n.customerIdentifier;
    if (learned !== undefined && subscription.customer_identifier === null) await subscriptions.rememberCustomerIdentifier(subscription.id, learned, now, trx);

    // Status: notifications arrive in any order; one sent before the latest status change is stale.
    const fromStatus = created ? null : subscription.status;
    let statusSet: MarketplaceSubscriptionStatus | null = null;
    if (nextStatus !== undefined) {
      const later = created ? undefined : await notifications.laterStatusNotification(subscription.id, n.at, nextStatus, row.id, trx);
      if (later !== undefined) {
        return ignored(`Superseded: ${later.kind ?? 'a notification'} (${later.message_id}) sent at ${later.event_at?.toISOString() ?? '?'} already set the subscription to ${subscription.status}.`, subscription.id);
      }
      statusSet = nextStatus;
      if (!created && subscription.status !== nextStatus) await subscriptions.setSubscriptionStatus(subscription.id, nextStatus, now, trx);
    }
    const status = nextStatus ?? subscription.status;
    if (n.effect === 'update' && !isEntitled(status)) return ignored(`The subscription is ${status}: changed entitlements do not bring it back.`, subscription.id);

    // The licence follows: terms from AWS while entitled, ended when the subscription ends or fails.
    const { licence, current } = await loadLicence(deps.licencesRepo, subscription.licence_id, trx);
    // When it happened by AWS's clock (never in the future by ours): when a licence starts or ends.
    const happenedAt = new Date(Math.min(n.at.getTime(), now.getTime()));
    const desired =
      n.effect === 'end' || n.effect === 'fail'
        ? ({ kind: 'ended', endedAt: happenedAt } as const)
        : n.effect === 'ending'
          ? undefined
          : desiredLicence(entitlements, { productCode, awsAccountId: subscription.aws_account_id, licenceArn: subscription.licence_arn, now });
    let licenceNote = 'licence unchanged';
    let ops: LicenceChange['op'][] = [];
    let result = licence;
    if (desired !== undefined) {
      const plan = planLicenceChanges(current, desired, now);
      if (!plan.ok) licenceNote = plan.reason === 'revoked' ? 'the licence is revoked by WebStream and stays so' : 'no entitlement in force, so no licence';
      else if (plan.changes.length > 0) {
        ops = plan.changes.map((c) => c.op);
        result = await changeLicence(trx, subscription, licence, plan.changes, { actor: 'marketplace', reason: `AWS Marketplace ${n.action} (${n.messageId})` }, happenedAt);
        licenceNote = `licence ${ops.join(', ')}`;
      }
    }

    const statusNote = fromStatus === null ? `subscription recorded as ${status}` : fromStatus === status ? `subscription stays ${status}` : `subscription ${fromStatus} → ${status}`;
    if (fromStatus !== status || ops.length > 0) {
      await deps.audit.record(
        {
          event: 'marketplace.notification_processed',
          actor: 'marketplace',
          awsAccountId: subscription.aws_account_id,
          details: { notificationId: row.id, messageId: n.messageId, kind: n.kind, action: n.action, subscriptionId: subscription.id, licenceArn: subscription.licence_arn, status: [fromStatus, status], licenceId: result?.id ?? null, licenceChanges: ops },
        },
        trx,
      );
    }
    return { status: 'processed', outcome: `${statusNote}; ${licenceNote}.`, subscriptionId: subscription.id, statusSet };
  }

  return { prepare, apply };
}
