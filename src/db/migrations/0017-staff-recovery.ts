import { sql, type Kysely } from 'kysely';

/** A staff link may also recover an account (a forgotten password): a new password and a new authenticator. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table staff_invitations drop constraint staff_invitations_purpose_check;
    alter table staff_invitations add constraint staff_invitations_purpose_check check (purpose in ('invite', 'totp_reset', 'recovery'));
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    delete from staff_invitations where purpose = 'recovery';
    alter table staff_invitations drop constraint staff_invitations_purpose_check;
    alter table staff_invitations add constraint staff_invitations_purpose_check check (purpose in ('invite', 'totp_reset'));
  `.execute(db);
}
