import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit.repo.js';
import type { Clock } from '../core/clock.js';
import type { Db } from '../db/database.js';
import type { MarketplaceNotificationSource, MarketplaceNotificationStatus } from '../db/schema.js';
import { AppError } from '../core/errors.js';
import type { LicenceService } from '../licences/licences.service.js';
import type { MarketplaceAws } from './aws.types.js';
import type { LicencesRepo } from '../licences/licences.repo.js';
import type { MarketplaceRepo } from './marketplace.repo.js';
import { createNotificationApplier, TransientNotificationError, type Prepared } from './notification.apply.js';
import { parseNotification, type MarketplaceNotification } from './notification.parse.js';
import type { NotificationRepo } from './notification.repo.js';
import { createNotificationSearchRepo, type NotificationFilter } from './notification-search.repo.js';
import type { KeysetCursor } from '../core/keyset-cursor.js';

/** One delivery of a notification: an SQS message, or a verified SNS HTTPS post. */
export interface NotificationDelivery {
  source: MarketplaceNotificationSource;
  body: string;
  /** The SQS message id: stands in for the id of a raw SNS message, and keys a message that cannot be parsed. */
  deliveryId?: string;
  /** When the delivery was sent (SQS SentTimestamp): the time of a raw SNS message. */
  sentAt?: Date;
  /** How many times this delivery has been received (SQS ApproximateReceiveCount). */
  receiveCount?: number;
}

export type NotificationResult =
  /** Done with (processed, ignored, or failed for good): the delivery can be deleted. */
  | { outcome: 'processed' | 'ignored' | 'failed'; notificationId: string; detail: string }
  /** Seen before and already done with: delete the delivery, change nothing. */
  | { outcome: 'duplicate'; notificationId: string }
  /** Another process is applying it right now: leave the delivery, it comes back after its visibility timeout. */
  | { outcome: 'in-progress' }
  /** A transient failure (e.g. AWS throttling): leave the delivery to be tried again after its visibility timeout. */
  | { outcome: 'retry'; notificationId: string; detail: string };

/** Whether the delivery can be deleted from the queue (or acknowledged to SNS). */
export const isSettled = (result: NotificationResult): boolean => result.outcome !== 'retry' && result.outcome !== 'in-progress';

/** Tries before a notification whose processing keeps failing is given up on (stored as failed, deleted). */
const DEFAULT_MAX_ATTEMPTS = 5;

export function createNotificationService(deps: {
  db: Db;
  notifications: NotificationRepo;
  subscriptions: MarketplaceRepo;
  licencesRepo: LicencesRepo;
  clock: Clock;
  audit: AuditLog;
  logger: Logger;
  clients: MarketplaceAws;
  licences: LicenceService;
  productCode: string | undefined;
  maxAttempts?: number;
}) {
  const repo = deps.notifications;
  const applier = createNotificationApplier({ db: deps.db, clock: deps.clock, audit: deps.audit, clients: deps.clients, licences: deps.licences, licencesRepo: deps.licencesRepo, notifications: repo, subscriptions: deps.subscriptions });
  const maxAttempts = deps.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const log = deps.logger.child({ component: 'marketplace-notifications' });
  const search = createNotificationSearchRepo(deps.db);

  /**
   * Prepares (identify, read AWS) without holding anything, then locks the stored notification (skipping one
   * another process holds), applies it and marks it done, in one transaction.
   */
  async function processStored(n: MarketplaceNotification, stored: { id: string; status: MarketplaceNotificationStatus }, receiveCount: number | undefined): Promise<NotificationResult> {
    const productCode = deps.productCode;
    const notificationId = stored.id;
    // A copy of a notification already done with costs no call to AWS (its status came back with the insert).
    if (stored.status !== 'received') return { outcome: 'duplicate', notificationId };
    try {
      const prepared: Prepared =
        productCode === undefined
          ? { kind: 'settled', result: { status: 'failed', outcome: 'MARKETPLACE_PRODUCT_CODE is not set, so notifications cannot be matched to the product.', subscriptionId: null, statusSet: null } }
          : await applier.prepare(n, productCode);
      return await deps.db.transaction().execute(async (trx): Promise<NotificationResult> => {
        const row = await repo.lockForProcessing(n.messageId, trx);
        if (row === undefined) return { outcome: 'in-progress' };
        if (row.status !== 'received') return { outcome: 'duplicate', notificationId: row.id };
        const result = await applier.apply(trx, n, row, prepared, productCode ?? '');
        await repo.finish(row.id, result, row.attempts + 1, deps.clock.now(), trx);
        return { outcome: result.status, notificationId: row.id, detail: result.outcome };
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const now = deps.clock.now();
      // A refused lifecycle step or a bug in the data will not go away by trying again.
      if (error instanceof AppError) {
        await repo.markFailed(n.messageId, `Could not be applied: ${message}`, now);
        log.error({ messageId: n.messageId, kind: n.kind, err: error }, 'Marketplace notification failed');
        return { outcome: 'failed', notificationId, detail: message };
      }
      const attempts = (await repo.recordFailedAttempt(n.messageId, message, now)) ?? 0;
      const tries = Math.max(attempts, receiveCount ?? 0);
      if (tries >= maxAttempts) {
        await repo.markFailed(n.messageId, `Gave up after ${tries} attempts; last error: ${message}`, now);
        log.error({ messageId: n.messageId, kind: n.kind, attempts: tries, err: error }, 'Marketplace notification failed for good');
        return { outcome: 'failed', notificationId, detail: message };
      }
      const level = error instanceof TransientNotificationError ? 'warn' : 'error';
      log[level]({ messageId: n.messageId, kind: n.kind, attempts: tries, err: error }, 'Marketplace notification failed; it will be tried again');
      return { outcome: 'retry', notificationId, detail: message };
    }
  }

  /**
   * Processes a failed notification again from its stored body, as if it had just arrived (staff, after fixing
   * what made it fail: a product code, a licence state). A transient failure now fails it again at once: no
   * queue delivery is left to bring it back.
   */
  async function reprocess(id: string, by: { actor: string; ip?: string }): Promise<NotificationResult> {
    const reopened = await search.reopenFailed(id, deps.clock.now());
    if (reopened === undefined) throw new AppError('not_failed', 'Only a failed notification can be processed again, and this one is not failed (any more).', 409);
    const parsed = parseNotification(reopened.body, { messageId: reopened.messageId, sentAt: reopened.eventAt ?? reopened.receivedAt });
    let result: NotificationResult;
    if (!parsed.ok || parsed.notification.messageId !== reopened.messageId) {
      const reason = parsed.ok ? 'The stored body names another message id.' : parsed.reason;
      await repo.markFailed(reopened.messageId, reason, deps.clock.now());
      result = { outcome: 'failed', notificationId: id, detail: reason };
    } else {
      result = await processStored(parsed.notification, { id, status: 'received' }, undefined);
      if (result.outcome === 'retry') {
        await repo.markFailed(reopened.messageId, `Processed again by staff; failed: ${result.detail}`, deps.clock.now());
        result = { outcome: 'failed', notificationId: id, detail: result.detail };
      }
    }
    const detail = result.outcome === 'processed' || result.outcome === 'ignored' || result.outcome === 'failed' ? result.detail : undefined;
    await deps.audit.record({
      event: 'marketplace.notification_reprocessed',
      actor: by.actor,
      awsAccountId: reopened.awsAccountId,
      ...(by.ip === undefined ? {} : { ip: by.ip }),
      details: { notificationId: id, messageId: reopened.messageId, outcome: result.outcome, ...(detail === undefined ? {} : { detail }) },
    });
    log.info({ messageId: reopened.messageId, actor: by.actor, outcome: result.outcome }, 'Marketplace notification processed again by staff');
    return result;
  }

  return {
    /** Notifications newest first, filtered, a page at a time (the admin panel). */
    search: (filter: NotificationFilter, after: KeysetCursor | undefined, limit: number) => search.notifications(filter, after, limit),
    /** One notification with its raw body. */
    find: (id: string) => search.notification(id),
    /** The kinds and actions received so far. */
    types: () => search.types(),
    /** Marketplace subscriptions newest first, with their licence's status. */
    subscriptions: (after: KeysetCursor | undefined, limit: number, awsAccountId?: string) => search.subscriptions(after, limit, awsAccountId),
    reprocess,
    /**
     * Stores the notification first (a message id seen before inserts nothing), then processes it once.
     * A message that cannot be understood is stored as failed with the reason, and settled (never retried).
     */
    async receive(delivery: NotificationDelivery): Promise<NotificationResult> {
      const now = deps.clock.now();
      const parsed = parseNotification(delivery.body, { ...(delivery.deliveryId === undefined ? {} : { messageId: delivery.deliveryId }), ...(delivery.sentAt === undefined ? {} : { sentAt: delivery.sentAt }) });
      if (!parsed.ok) {
        const { partial } = parsed;
        const messageId = partial.messageId ?? (delivery.deliveryId === undefined ? `sha256:${createHash('sha256').update(delivery.body).digest('hex')}` : `sqs:${delivery.deliveryId}`);
        const stored = await repo.insert(
          {
            messageId,
            source: delivery.source,
            kind: null,
            action: partial.action ?? null,
            body: delivery.body,
            licenceArn: partial.licenceArn ?? null,
            awsAccountId: partial.awsAccountId ?? null,
            productCode: partial.productCode ?? null,
            customerIdentifier: partial.customerIdentifier ?? null,
            eventAt: partial.at ?? null,
            status: 'failed',
            outcome: parsed.reason,
          },
          now,
        );
        if (!stored.inserted) return { outcome: 'duplicate', notificationId: stored.id };
        log.warn({ messageId, source: delivery.source, reason: parsed.reason }, 'Marketplace notification cannot be processed; kept as failed');
        return { outcome: 'failed', notificationId: stored.id, detail: parsed.reason };
      }
      const n = parsed.notification;
      const stored = await repo.insert(
        {
          messageId: n.messageId,
          source: delivery.source,
          kind: n.kind,
          action: n.action,
          body: delivery.body,
          licenceArn: n.licenceArn ?? null,
          awsAccountId: n.awsAccountId ?? null,
          productCode: n.productCode ?? null,
          customerIdentifier: n.customerIdentifier ?? null,
          eventAt: n.at,
          status: 'received',
          outcome: null,
        },
        now,
      );
      const result = await processStored(n, stored, delivery.receiveCount);
      if (result.outcome === 'processed' || result.outcome === 'ignored') log.info({ messageId: n.messageId, kind: n.kind, source: delivery.source, outcome: result.outcome, detail: result.detail }, 'Marketplace notification handled');
      return result;
    },
  };
}

export type NotificationService = ReturnType<typeof createNotificationService>;
