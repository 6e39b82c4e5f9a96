import { sql, type Kysely } from 'kysely';

/**
 * The License Manager licence id (`l-…`) of each subscription's licence ARN, for matching notifications:
 * AWS writes one licence's ARN in more than one way (with or without "arn:", a region or not), so they are
 * matched on the id, the part after the ARN's last ':' or '/' (as licenceIdOf in subscription.rules.ts).
 * A stored generated column fills existing rows and can never disagree with the ARN; the index replaces
 * a scan for "licence_arn like '%:<id>'". Stored explicitly: PostgreSQL 18 makes virtual the default.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table marketplace_subscriptions
      add column aws_licence_id text not null generated always as (substring(licence_arn from '[^:/]*$')) stored;
    create index marketplace_subscriptions_aws_licence on marketplace_subscriptions (aws_licence_id);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table marketplace_subscriptions drop column aws_licence_id`.execute(db);
}
