import { formatAccountId } from '../core/account-id.js';
import type { MailMessage } from '../mail/mailer.js';
import { EMAIL_SIGNATURE } from '../mail/signature.js';

/** After a change in Settings (or the forced change after a one-time password): this browser stays signed in. */
export function passwordChangedInSettingsEmail(to: string, awsAccountId: string, forgotPasswordUrl: string): MailMessage {
  return {
    to,
    template: 'password_changed_in_settings',
    subject: 'Your WebStream Licence Portal password was changed',
    text: `The password of the portal account for AWS account ${formatAccountId(awsAccountId)} was just changed, and every other session of the account was signed out.\n\nIf you did not do this, reset your password at once and contact your WebStream account team:\n${forgotPasswordUrl}${EMAIL_SIGNATURE}`,
  };
}

/** To the NEW address: the change applies only when this link is confirmed. */
export function confirmNewEmailEmail(to: string, awsAccountId: string, verifyUrl: string, validHours: number, linkExpiresAt: Date): MailMessage {
  return {
    to,
    template: 'email_change_verification',
    secretExpiresAt: linkExpiresAt,
    subject: 'Confirm your new contact email for the WebStream Licence Portal',
    text: `Someone asked to make this address the contact email of the portal account for AWS account ${formatAccountId(awsAccountId)}.\n\nTo confirm, open this link within ${validHours} hours and press the button. It works once:\n${verifyUrl}\n\nUntil then, the contact email stays as it is.${EMAIL_SIGNATURE}`,
  };
}

/** To the OLD address, so a change by someone else does not go unnoticed. */
export function emailChangeRequestedEmail(to: string, awsAccountId: string, newEmail: string, forgotPasswordUrl: string): MailMessage {
  return {
    to,
    template: 'email_change_notice',
    subject: 'Your WebStream Licence Portal contact email is being changed',
    text: `Someone signed in to the portal account for AWS account ${formatAccountId(awsAccountId)} asked to change its contact email from this address to ${newEmail}. The change applies once the new address is confirmed.\n\nIf you did not do this, reset your password at once and contact your WebStream account team:\n${forgotPasswordUrl}${EMAIL_SIGNATURE}`,
  };
}
