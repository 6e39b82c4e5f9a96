import { sql, type Kysely } from 'kysely';

/**
 * AWS Marketplace subscriptions and the single-use handshakes that carry a buyer from the landing page
 * to the link page. A subscription is keyed by its licence ARN: one AWS account may hold several
 * agreements for the product, and notifications may create a row before the buyer ever lands.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table marketplace_subscriptions (
      id uuid primary key default gen_random_uuid(),
      licence_arn text not null constraint marketplace_subscriptions_licence_arn unique
        check (length(licence_arn) between 1 and 2048),
      aws_account_id text not null check (aws_account_id ~ '^[0-9]{12}$'),
      product_code text not null check (length(product_code) between 1 and 255),
      -- Only older listings get a customer identifier from ResolveCustomer.
      customer_identifier text check (customer_identifier is null or length(customer_identifier) between 1 and 255),
      status text not null check (status in ('subscribed', 'subscribe_failed', 'unsubscribe_pending', 'unsubscribed')),
      -- The portal licence provisioned from this subscription (one licence per subscription).
      licence_id uuid constraint marketplace_subscriptions_one_per_licence unique references licences(id) on delete set null,
      linked_account_id uuid references portal_accounts(id) on delete set null,
      linked_at timestamptz,
      landed_at timestamptz,
      provisioned_at timestamptz,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      constraint marketplace_subscriptions_link_consistent check ((linked_account_id is null) or (linked_at is not null))
    );
    create index marketplace_subscriptions_account on marketplace_subscriptions (aws_account_id);
    create index marketplace_subscriptions_customer on marketplace_subscriptions (product_code, customer_identifier) where customer_identifier is not null;

    -- The landing-to-link handshake: only a hash of its random nonce is stored. Single use is enforced
    -- here (an update "where used_at is null" spends it), whatever the signed value says.
    create table marketplace_link_handshakes (
      nonce_hash text primary key,
      subscription_id uuid not null references marketplace_subscriptions(id) on delete cascade,
      created_at timestamptz not null,
      expires_at timestamptz not null check (expires_at > created_at),
      used_at timestamptz,
      used_by_account_id uuid references portal_accounts(id) on delete set null
    );
    create index marketplace_link_handshakes_subscription on marketplace_link_handshakes (subscription_id);
    create index marketplace_link_handshakes_expiry on marketplace_link_handshakes (expires_at);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table marketplace_link_handshakes;
    drop table marketplace_subscriptions;
  `.execute(db);
}
