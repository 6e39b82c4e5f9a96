import { sql, type Kysely } from 'kysely';

/**
 * AWS Marketplace notifications (SNS subscription/entitlement messages and EventBridge agreement/licence
 * events), from the SQS queue or the SNS HTTPS endpoint. Every one is kept for inspection. The unique
 * message id (SNS MessageId or EventBridge id) makes processing idempotent across deliveries, sources and
 * portal processes; the row lock taken while a notification is applied makes it happen exactly once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table marketplace_notifications (
      id uuid primary key default gen_random_uuid(),
      message_id text not null constraint marketplace_notifications_message_id unique
        check (length(message_id) between 1 and 300),
      source text not null check (source in ('sqs', 'sns-https')),
      -- Normalised kind (e.g. subscribe-success, agreement-ended) and the action or detail-type as sent.
      kind text check (kind is null or length(kind) between 1 and 64),
      action text check (action is null or length(action) <= 200),
      body text not null check (length(body) <= 1048576),
      -- What the message says, when it says it: an unresolved SNS message may only carry a customer identifier.
      licence_arn text check (licence_arn is null or length(licence_arn) between 1 and 2048),
      aws_account_id text check (aws_account_id is null or aws_account_id ~ '^[0-9]{12}$'),
      product_code text check (product_code is null or length(product_code) between 1 and 255),
      customer_identifier text check (customer_identifier is null or length(customer_identifier) between 1 and 255),
      -- The message's own time (SNS Timestamp, EventBridge time): orders notifications that arrive out of order.
      event_at timestamptz,
      subscription_id uuid references marketplace_subscriptions(id) on delete set null,
      -- The subscription status this notification set, if it set one (only these count for ordering).
      status_set text check (status_set is null or status_set in ('subscribed', 'subscribe_failed', 'unsubscribe_pending', 'unsubscribed')),
      status text not null check (status in ('received', 'processed', 'failed', 'ignored')),
      -- What processing did (processed, ignored) or why it failed.
      outcome text check (outcome is null or length(outcome) <= 2000),
      attempts integer not null default 0 check (attempts >= 0),
      last_error text check (last_error is null or length(last_error) <= 2000),
      received_at timestamptz not null,
      processed_at timestamptz,
      updated_at timestamptz not null,
      constraint marketplace_notifications_done_consistent check ((status = 'received') = (processed_at is null))
    );
    create index marketplace_notifications_subscription on marketplace_notifications (subscription_id, event_at) where subscription_id is not null;
    create index marketplace_notifications_status on marketplace_notifications (status, received_at);
    create index marketplace_notifications_received on marketplace_notifications (received_at);
    create index marketplace_notifications_customer on marketplace_notifications (product_code, customer_identifier) where customer_identifier is not null;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table marketplace_notifications`.execute(db);
}
