import { sql, type Kysely } from 'kysely';

/**
 * The audit log's search (issue 12): newest first with keyset paging on (at, id), filtered by event, by the
 * kind of actor (account, staff, instance, system, cli…: the text before the first colon), by account, and by
 * time, each through an index that keeps a page fast at millions of rows. The staff's reason is a column of
 * its own so it can be shown and exported beside the event.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table audit_events
      add column actor_kind text generated always as (split_part(actor, ':', 1)) stored,
      add column reason text check (reason is null or length(reason) between 1 and 1000);
    drop index audit_events_at;
    drop index audit_events_account;
    create index audit_events_recent on audit_events (at desc, id desc);
    create index audit_events_by_event on audit_events (event, at desc, id desc);
    create index audit_events_by_actor_kind on audit_events (actor_kind, at desc, id desc);
    create index audit_events_by_actor on audit_events (actor, at desc, id desc);
    create index audit_events_by_account on audit_events (aws_account_id, at desc, id desc);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop index audit_events_recent, audit_events_by_event, audit_events_by_actor_kind, audit_events_by_actor, audit_events_by_account;
    alter table audit_events drop column actor_kind, drop column reason;
    create index audit_events_account on audit_events (aws_account_id, at desc);
    create index audit_events_at on audit_events (at desc);
  `.execute(db);
}
