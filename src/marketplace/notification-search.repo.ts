import { sql } from 'kysely';
import type { KeysetCursor } from '../core/keyset-cursor.js';
import type { Db } from '../db/database.js';
import type { MarketplaceNotificationSource, MarketplaceNotificationStatus, MarketplaceSubscriptionStatus } from '../db/schema.js';

/** What the admin panel filters notifications by (each optional). */
export interface NotificationFilter {
  status?: MarketplaceNotificationStatus | undefined;
  /** A notification kind (`agreement-created`…) or an SNS action (`subscribe-success`…). */
  type?: string | undefined;
  awsAccountId?: string | undefined;
}

export interface NotificationSummary {
  id: string;
  messageId: string;
  source: MarketplaceNotificationSource;
  kind: string | null;
  action: string | null;
  awsAccountId: string | null;
  status: MarketplaceNotificationStatus;
  outcome: string | null;
  lastError: string | null;
  attempts: number;
  receivedAt: Date;
  processedAt: Date | null;
}

export interface NotificationDetail extends NotificationSummary {
  body: string;
  licenceArn: string | null;
  productCode: string | null;
  customerIdentifier: string | null;
  eventAt: Date | null;
  subscriptionId: string | null;
  statusSet: MarketplaceSubscriptionStatus | null;
}

export interface SubscriptionSummary {
  id: string;
  licenceArn: string;
  awsAccountId: string;
  productCode: string;
  status: MarketplaceSubscriptionStatus;
  licenceId: string | null;
  licenceStatus: string | null;
  linked: boolean;
  createdAt: Date;
  updatedAt: Date;
}

const SUMMARY = ['id', 'message_id', 'source', 'kind', 'action', 'aws_account_id', 'status', 'outcome', 'last_error', 'attempts', 'received_at', 'processed_at'] as const;

function summaryOf(row: { id: string; message_id: string; source: MarketplaceNotificationSource; kind: string | null; action: string | null; aws_account_id: string | null; status: MarketplaceNotificationStatus; outcome: string | null; last_error: string | null; attempts: number; received_at: Date; processed_at: Date | null }): NotificationSummary {
  return {
    id: row.id,
    messageId: row.message_id,
    source: row.source,
    kind: row.kind,
    action: row.action,
    awsAccountId: row.aws_account_id,
    status: row.status,
    outcome: row.outcome,
    lastError: row.last_error,
    attempts: row.attempts,
    receivedAt: row.received_at,
    processedAt: row.processed_at,
  };
}

/** Pages of one newest-first query: `limit` rows and the cursor of the next page (one row more is read to know). */
function paged<T>(rows: T[], limit: number, key: (row: T) => KeysetCursor): { rows: T[]; next: KeysetCursor | undefined } {
  const shown = rows.slice(0, limit);
  const last = shown.at(-1);
  return { rows: shown, next: rows.length > limit && last !== undefined ? key(last) : undefined };
}

/**
 * The admin panel's reads of marketplace_notifications and marketplace_subscriptions: newest first, keyset
 * paging on (time, id) over migration 0005's indexes, and one notification with its raw body.
 */
export function createNotificationSearchRepo(db: Db) {
  return {
    async notifications(filter: NotificationFilter, after: KeysetCursor | undefined, limit: number): Promise<{ rows: NotificationSummary[]; next: KeysetCursor | undefined }> {
      let query = db.selectFrom('marketplace_notifications').select(SUMMARY);
      if (filter.status !== undefined) query = query.where('status', '=', filter.status);
      const type = filter.type;
      if (type !== undefined) query = query.where((eb) => eb.or([eb('kind', '=', type), eb('action', '=', type)]));
      if (filter.awsAccountId !== undefined) query = query.where('aws_account_id', '=', filter.awsAccountId);
      if (after !== undefined) query = query.where(sql<boolean>`(received_at, id) < (${after.at}, ${after.id}::uuid)`);
      const rows = await query.orderBy('received_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
      const page = paged(rows, limit, (row) => ({ at: row.received_at, id: row.id }));
      return { rows: page.rows.map(summaryOf), next: page.next };
    },

    async notification(id: string): Promise<NotificationDetail | undefined> {
      const row = await db.selectFrom('marketplace_notifications').selectAll().where('id', '=', id).executeTakeFirst();
      if (row === undefined) return undefined;
      return {
        ...summaryOf(row),
        body: row.body,
        licenceArn: row.licence_arn,
        productCode: row.product_code,
        customerIdentifier: row.customer_identifier,
        eventAt: row.event_at,
        subscriptionId: row.subscription_id,
        statusSet: row.status_set,
      };
    },

    /** The kinds and actions seen so far, for the type filter's choices. */
    async types(): Promise<string[]> {
      const rows = await db
        .selectFrom('marketplace_notifications')
        .select(sql<string>`coalesce(kind, action)`.as('type'))
        .where((eb) => eb.or([eb('kind', 'is not', null), eb('action', 'is not', null)]))
        .distinct()
        .orderBy('type')
        .limit(100)
        .execute();
      return rows.map((row) => row.type);
    },

    async subscriptions(after: KeysetCursor | undefined, limit: number, awsAccountId?: string): Promise<{ rows: SubscriptionSummary[]; next: KeysetCursor | undefined }> {
      let query = db
        .selectFrom('marketplace_subscriptions as s')
        .leftJoin('licences as l', 'l.id', 's.licence_id')
        .select(['s.id', 's.licence_arn', 's.aws_account_id', 's.product_code', 's.status', 's.licence_id', 'l.status as licence_status', 's.linked_account_id', 's.created_at', 's.updated_at']);
      if (awsAccountId !== undefined) query = query.where('s.aws_account_id', '=', awsAccountId);
      if (after !== undefined) query = query.where(sql<boolean>`(s.created_at, s.id) < (${after.at}, ${after.id}::uuid)`);
      const rows = await query.orderBy('s.created_at', 'desc').orderBy('s.id', 'desc').limit(limit + 1).execute();
      const page = paged(rows, limit, (row) => ({ at: row.created_at, id: row.id }));
      return {
        rows: page.rows.map((row) => ({
          id: row.id,
          licenceArn: row.licence_arn,
          awsAccountId: row.aws_account_id,
          productCode: row.product_code,
          status: row.status,
          licenceId: row.licence_id,
          licenceStatus: row.licence_status,
          linked: row.linked_account_id !== null,
          createdAt: row.created_at,
          updatedAt: row.updated_at,
        })),
        next: page.next,
      };
    },

    /** A failed notification made "received" again, to be processed once more; undefined if it is not failed (any more). */
    async reopenFailed(id: string, now: Date): Promise<{ messageId: string; body: string; receivedAt: Date; eventAt: Date | null; awsAccountId: string | null } | undefined> {
      return db
        .updateTable('marketplace_notifications')
        .set({ status: 'received', updated_at: now, processed_at: null })
        .where('id', '=', id)
        .where('status', '=', 'failed')
        .returning(['message_id as messageId', 'body', 'received_at as receivedAt', 'event_at as eventAt', 'aws_account_id as awsAccountId'])
        .executeTakeFirst();
    },
  };
}

export type NotificationSearchRepo = ReturnType<typeof createNotificationSearchRepo>;
