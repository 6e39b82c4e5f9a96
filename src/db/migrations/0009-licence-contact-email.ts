import { sql, type Kysely } from 'kysely';

/**
 * The licence's contact, when the vendor knows one (`licence issue --contact-email`): told when a portal
 * account is created for the licence's AWS account, so a registration by someone else does not go unseen.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table licences add column contact_email text check (contact_email is null or length(contact_email) between 3 and 254)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table licences drop column contact_email`.execute(db);
}
