import { sql, type Kysely } from 'kysely';

/**
 * A per-account counter of licence changes, bumped by the database itself on every insert, update or
 * delete of a licence, whatever code made it. Pages cache what they render from an account's licences
 * under this version, so every portal process sees a change on its next request.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table portal_accounts add column licences_version bigint not null default 0;

    create function bump_licences_version() returns trigger language plpgsql as $$
    begin
      if tg_op <> 'INSERT' then
        update portal_accounts set licences_version = licences_version + 1 where aws_account_id = old.aws_account_id;
      end if;
      if tg_op = 'INSERT' or (tg_op = 'UPDATE' and new.aws_account_id is distinct from old.aws_account_id) then
        update portal_accounts set licences_version = licences_version + 1 where aws_account_id = new.aws_account_id;
      end if;
      return null;
    end $$;

    create trigger licences_bump_version after insert or update or delete on licences
      for each row execute function bump_licences_version();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop trigger licences_bump_version on licences;
    drop function bump_licences_version();
    alter table portal_accounts drop column licences_version;
  `.execute(db);
}
