import { sql, type Kysely } from 'kysely';

/**
 * Every committed change to a licence or to one of its activations notifies the channel `licence_changes`
 * with the licence's id, so each portal process can drop what it cached about that licence at once
 * (src/db/change-feed.ts). PostgreSQL delivers a notification only on commit, and folds duplicates in one
 * transaction into one.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function notify_licence_change() returns trigger language plpgsql as $$
    begin
      if tg_table_name = 'licences' then
        perform pg_notify('licence_changes', coalesce(new.id, old.id)::text);
      else
        perform pg_notify('licence_changes', coalesce(new.licence_id, old.licence_id)::text);
      end if;
      return null;
    end $$;
    create trigger licences_notify_change after insert or update or delete on licences
      for each row execute function notify_licence_change();
    create trigger activations_notify_change after insert or update or delete on activations
      for each row execute function notify_licence_change();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop trigger activations_notify_change on activations;
    drop trigger licences_notify_change on licences;
    drop function notify_licence_change();
  `.execute(db);
}
