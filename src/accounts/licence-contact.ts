import type { Db } from '../db/database.js';
import type { LicencesRepo } from '../licences/licences.repo.js';
import type { MailMessage, Mailer } from '../mail/mailer.js';
import { EMAIL_SIGNATURE } from '../mail/signature.js';
import { formatAccountId } from '../core/account-id.js';

export function licenceContactAccountCreatedEmail(to: string, awsAccountId: string, registeredEmail: string): MailMessage {
  return {
    to,
    template: 'licence_contact_account_created',
    subject: `A WebStream Licence Portal account was created for AWS account ${formatAccountId(awsAccountId)}`,
    text: `A portal account was created for AWS account ${formatAccountId(awsAccountId)}, contact ${registeredEmail}. It can see that account's WebStream licences and entitlements.\n\nYou get this email because you are the contact of a WebStream licence of that AWS account. If this was not you or someone you know, contact WebStream support.${EMAIL_SIGNATURE}`,
  };
}

/**
 * Tells the contacts of the account's licences (those not revoked) that a portal account was created for it,
 * in the registration's transaction: whoever registers first owns the portal account, so the licence's
 * people must hear of it. The registering address already gets the welcome email.
 */
export async function noticeToLicenceContacts(deps: { licences: LicencesRepo; mailer: Mailer }, account: { awsAccountId: string; email: string }, trx: Db): Promise<void> {
  const contacts = await deps.licences.contactEmails(account.awsAccountId, trx);
  for (const contact of contacts) {
    if (contact.toLowerCase() === account.email.toLowerCase()) continue;
    await deps.mailer.enqueue(licenceContactAccountCreatedEmail(contact, account.awsAccountId, account.email), trx);
  }
}
