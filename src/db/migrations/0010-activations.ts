import { sql, type Kysely } from 'kysely';

/**
 * The licence API's records (issue 11): WebStream instances (trusted on first use, then by their secret),
 * their activations of licence seats, and what a licence request asked for. The rules that must hold under
 * any number of portal processes live here, in the database:
 *   - an instance has at most one activation not ended (partial unique index);
 *   - a licence never has more activations counting against its seats than seats: a trigger, taking the
 *     licence row's lock, checks every new or revived activation (an activation counts while it is not ended
 *     and its last heartbeat is within the stale window, `stale_after`);
 *   - an AWS account gets one trial ever, and has at most one open (requested) licence at a time.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table instances (
      instance_id text primary key check (instance_id ~ '^i-[0-9a-f]{8,17}$'),
      aws_account_id text not null check (aws_account_id ~ '^[0-9]{12}$'),
      region text not null check (length(region) between 1 and 32),
      secret_hash text not null unique,
      first_seen_at timestamptz not null
    );

    create table activations (
      id uuid primary key default gen_random_uuid(),
      licence_id uuid not null references licences(id),
      instance_id text not null references instances(instance_id),
      aws_account_id text not null check (aws_account_id ~ '^[0-9]{12}$'),
      region text not null,
      hostname text check (hostname is null or length(hostname) between 1 and 253),
      product_version text check (product_version is null or length(product_version) between 1 and 64),
      activated_at timestamptz not null,
      last_heartbeat_at timestamptz not null,
      stale_after timestamptz not null check (stale_after > last_heartbeat_at),
      file_issued_at timestamptz,
      file_expires_at timestamptz,
      ended_at timestamptz,
      ended_reason text check (ended_reason in ('deactivated', 'deactivated_by_owner', 'stale', 'licence_revoked')),
      check ((ended_at is null) = (ended_reason is null))
    );
    create unique index activations_one_open_per_instance on activations (instance_id) where ended_at is null;
    create index activations_open_by_licence on activations (licence_id, activated_at) where ended_at is null;
    create index activations_ended_by_licence on activations (licence_id, ended_at) where ended_at is not null;

    create function enforce_activation_seats() returns trigger language plpgsql as $$
    declare
      licence_seats integer;
      counting integer;
    begin
      if new.ended_at is not null then return new; end if;
      -- Only a new activation, or one coming back from stale or ended, takes a seat; a heartbeat of a
      -- counting one never fails here (seats lowered below those alive are reported by validation).
      if tg_op = 'UPDATE' and old.ended_at is null and old.stale_after > new.last_heartbeat_at then return new; end if;
      select seats into licence_seats from licences where id = new.licence_id for update;
      select count(*) into counting from activations
        where licence_id = new.licence_id and ended_at is null and stale_after > new.last_heartbeat_at and id <> new.id;
      if counting >= licence_seats then
        raise exception 'no free seat on licence %', new.licence_id using errcode = 'WS409', constraint = 'activations_seat_limit';
      end if;
      return new;
    end $$;

    create trigger activations_seat_limit before insert or update on activations
      for each row execute function enforce_activation_seats();

    alter table licences
      add column request_note text check (request_note is null or length(request_note) between 1 and 1000),
      add column requested_by_instance text;
    create unique index licences_one_trial_per_account on licences (aws_account_id) where source = 'trial';
    create unique index licences_one_open_request_per_account on licences (aws_account_id) where status = 'requested';
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop index licences_one_open_request_per_account;
    drop index licences_one_trial_per_account;
    alter table licences drop column requested_by_instance, drop column request_note;
    drop table activations;
    drop function enforce_activation_seats();
    drop table instances;
  `.execute(db);
}
