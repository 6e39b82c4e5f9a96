import type { Db } from '../db/database.js';
import type { MarketplaceNotificationRow, MarketplaceNotificationSource, MarketplaceNotificationStatus, MarketplaceSubscriptionStatus } from '../db/schema.js';

export interface NewNotification {
  messageId: string;
  source: MarketplaceNotificationSource;
  kind: string | null;
  action: string | null;
  body: string;
  licenceArn: string | null;
  awsAccountId: string | null;
  productCode: string | null;
  customerIdentifier: string | null;
  eventAt: Date | null;
  /** 'received' to be processed next; 'failed' for a message that cannot be processed at all. */
  status: 'received' | 'failed';
  outcome: string | null;
}

export interface FinishedNotification {
  status: Exclude<MarketplaceNotificationStatus, 'received'>;
  outcome: string;
  subscriptionId: string | null;
  statusSet: MarketplaceSubscriptionStatus | null;
}

/** How far along a subscription is: on a tie in time, a later stage wins. */
const STATUS_ORDER: readonly MarketplaceSubscriptionStatus[] = ['subscribed', 'subscribe_failed', 'unsubscribe_pending', 'unsubscribed'];
const MAX_TEXT = 2000;
const clip = (text: string) => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text);

/** Queries for marketplace_notifications (the subscriptions they change are marketplace.repo's). */
export function createNotificationRepo(db: Db) {
  return {
    /** Stores a notification once: a message id seen before inserts nothing, and returns the stored row's id and status. */
    async insert(values: NewNotification, now: Date, trx: Db = db): Promise<{ id: string; inserted: boolean; status: MarketplaceNotificationStatus }> {
      const inserted = await trx
        .insertInto('marketplace_notifications')
        .values({
          message_id: values.messageId,
          source: values.source,
          kind: values.kind,
          action: values.action,
          body: values.body,
          licence_arn: values.licenceArn,
          aws_account_id: values.awsAccountId,
          product_code: values.productCode,
          customer_identifier: values.customerIdentifier,
          event_at: values.eventAt,
          subscription_id: null,
          status_set: null,
          status: values.status,
          outcome: values.outcome === null ? null : clip(values.outcome),
          last_error: null,
          received_at: now,
          processed_at: values.status === 'received' ? null : now,
          updated_at: now,
        })
        .onConflict((oc) => oc.constraint('marketplace_notifications_message_id').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (inserted !== undefined) return { id: inserted.id, inserted: true, status: values.status };
      const existing = await trx.selectFrom('marketplace_notifications').select(['id', 'status']).where('message_id', '=', values.messageId).executeTakeFirstOrThrow();
      return { id: existing.id, inserted: false, status: existing.status };
    },

    /** Locks the notification for processing; undefined while another process holds it (SKIP LOCKED: nobody waits). */
    lockForProcessing(messageId: string, trx: Db = db): Promise<MarketplaceNotificationRow | undefined> {
      return trx.selectFrom('marketplace_notifications').selectAll().where('message_id', '=', messageId).forUpdate().skipLocked().executeTakeFirst();
    },

    async finish(id: string, result: FinishedNotification, attempts: number, now: Date, trx: Db = db): Promise<void> {
      await trx
        .updateTable('marketplace_notifications')
        .set({ status: result.status, outcome: clip(result.outcome), subscription_id: result.subscriptionId, status_set: result.statusSet, attempts, processed_at: now, updated_at: now })
        .where('id', '=', id)
        .execute();
    },

    /** Counts a failed attempt (the row stays "received", to be tried again); returns the attempts so far. */
    async recordFailedAttempt(messageId: string, error: string, now: Date, trx: Db = db): Promise<number | undefined> {
      const row = await trx
        .updateTable('marketplace_notifications')
        .set((eb) => ({ attempts: eb('attempts', '+', 1), last_error: clip(error), updated_at: now }))
        .where('message_id', '=', messageId)
        .where('status', '=', 'received')
        .returning('attempts')
        .executeTakeFirst();
      return row?.attempts;
    },

    /** Gives up on a notification still waiting to be processed. */
    async markFailed(messageId: string, reason: string, now: Date, trx: Db = db): Promise<void> {
      await trx
        .updateTable('marketplace_notifications')
        .set({ status: 'failed', outcome: clip(reason), processed_at: now, updated_at: now })
        .where('message_id', '=', messageId)
        .where('status', '=', 'received')
        .execute();
    },

    /**
     * A processed notification about this subscription that set its status and outranks one sent at `at`
     * setting `status`: sent later, or at the same time (EventBridge times are whole seconds) with a status
     * further along (an end beats a start).
     */
    laterStatusNotification(subscriptionId: string, at: Date, status: MarketplaceSubscriptionStatus, exceptId: string, trx: Db = db): Promise<{ message_id: string; kind: string | null; event_at: Date | null } | undefined> {
      const furtherAlong = STATUS_ORDER.slice(STATUS_ORDER.indexOf(status) + 1);
      return trx
        .selectFrom('marketplace_notifications')
        .select(['message_id', 'kind', 'event_at'])
        .where('subscription_id', '=', subscriptionId)
        .where('status', '=', 'processed')
        .where('status_set', 'is not', null)
        .where((eb) => eb.or([eb('event_at', '>', at), ...(furtherAlong.length === 0 ? [] : [eb.and([eb('event_at', '=', at), eb('status_set', 'in', furtherAlong)])])]))
        .where('id', '!=', exceptId)
        .orderBy('event_at', 'desc')
        .limit(1)
        .executeTakeFirst();
    },
  };
}

export type NotificationRepo = ReturnType<typeof createNotificationRepo>;
