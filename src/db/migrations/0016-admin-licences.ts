import { sql, type Kysely } from 'kysely';

/**
 * The admin panel's licences (src/admin/licences.routes.tsx): an activation ended by a staff member has its
 * own reason, so it does not count against the owner's and instances' deactivation limit; and the newest-first
 * licence list walks an index with keyset paging.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table activations drop constraint activations_ended_reason_check;
    alter table activations add constraint activations_ended_reason_check
      check (ended_reason in ('deactivated', 'deactivated_by_owner', 'deactivated_by_staff', 'stale', 'licence_revoked'));
    create index licences_newest on licences (created_at desc, id desc);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop index licences_newest;
    update activations set ended_reason = 'deactivated_by_owner' where ended_reason = 'deactivated_by_staff';
    alter table activations drop constraint activations_ended_reason_check;
    alter table activations add constraint activations_ended_reason_check
      check (ended_reason in ('deactivated', 'deactivated_by_owner', 'stale', 'licence_revoked'));
  `.execute(db);
}
