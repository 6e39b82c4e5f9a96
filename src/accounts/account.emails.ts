import type { MailMessage } from '../mail/mailer.js';
import { EMAIL_SIGNATURE } from '../mail/signature.js';
import { formatDate } from '../web/format.js';
import { formatAccountId } from '../core/account-id.js';

export function welcomeEmail(to: string, awsAccountId: string, verifyUrl: string, linkExpiresAt: Date): MailMessage {
  return {
    to,
    template: 'welcome',
    secretExpiresAt: linkExpiresAt,
    subject: 'Welcome to the WebStream Licence Portal — please verify your email',
    text: `Your portal account for AWS account ${formatAccountId(awsAccountId)} is ready.\n\nPlease confirm that this is your contact email address by opening this link (valid for 7 days):\n${verifyUrl}${EMAIL_SIGNATURE}`,
  };
}

export function passwordResetEmail(to: string, awsAccountId: string, resetUrl: string, validMinutes: number, linkExpiresAt: Date): MailMessage {
  return {
    to,
    template: 'password_reset',
    secretExpiresAt: linkExpiresAt,
    subject: 'Reset your WebStream Licence Portal password',
    text: `Someone asked to reset the password of the portal account for AWS account ${formatAccountId(awsAccountId)}.\n\nTo choose a new password, open this link within ${validMinutes} minutes. It works once:\n${resetUrl}\n\nIf you did not ask for this, ignore this email: your password stays as it is.${EMAIL_SIGNATURE}`,
  };
}

export function passwordChangedEmail(to: string, awsAccountId: string, signInUrl: string): MailMessage {
  return {
    to,
    template: 'password_changed',
    subject: 'Your WebStream Licence Portal password was changed',
    text: `The password of the portal account for AWS account ${formatAccountId(awsAccountId)} was just changed, and every session was signed out.\n\nSign in again: ${signInUrl}\n\nIf you did not do this, reset your password at once and contact your WebStream account team.${EMAIL_SIGNATURE}`,
  };
}

export function oneTimePasswordEmail(to: string, awsAccountId: string, oneTimePassword: string, signInUrl: string, expiresAt: Date): MailMessage {
  const until = `${formatDate(expiresAt)} at ${expiresAt.toISOString().slice(11, 16)} UTC`;
  return {
    to,
    template: 'one_time_password',
    secretExpiresAt: expiresAt,
    subject: 'Your WebStream Licence Portal account — one-time password',
    text: `WebStream has created a portal account for AWS account ${formatAccountId(awsAccountId)}. In the portal you can see your WebStream licences and entitlements.\n\nSign in at: ${signInUrl}\nAWS account ID: ${formatAccountId(awsAccountId)}\nOne-time password: ${oneTimePassword}\n\nThe one-time password works until ${until}. At your first sign-in you must choose a new password of your own before you can use the portal. If it has expired, ask your WebStream contact for a new one.${EMAIL_SIGNATURE}`,
  };
}
