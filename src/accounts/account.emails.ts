import type { MailMessage } from '../mail/mailer.js';
import { formatAccountId } from './account-id.js';

const signature = '\n\n— WebStream Licence Portal\nIf you did not expect this email, you can ignore it or contact your WebStream account team.';

export function welcomeEmail(to: string, awsAccountId: string, verifyUrl: string): MailMessage {
  return {
    to,
    subject: 'Welcome to the WebStream Licence Portal — please verify your email',
    text: `Your portal account for AWS account ${formatAccountId(awsAccountId)} is ready.\n\nPlease confirm that this is your contact email address by opening this link (valid for 7 days):\n${verifyUrl}${signature}`,
  };
}

export function passwordResetEmail(to: string, awsAccountId: string, resetUrl: string, validMinutes: number): MailMessage {
  return {
    to,
    subject: 'Reset your WebStream Licence Portal password',
    text: `Someone asked to reset the password of the portal account for AWS account ${formatAccountId(awsAccountId)}.\n\nTo choose a new password, open this link within ${validMinutes} minutes. It works once:\n${resetUrl}\n\nIf you did not ask for this, ignore this email: your password stays as it is.${signature}`,
  };
}

export function passwordChangedEmail(to: string, awsAccountId: string, signInUrl: string): MailMessage {
  return {
    to,
    subject: 'Your WebStream Licence Portal password was changed',
    text: `The password of the portal account for AWS account ${formatAccountId(awsAccountId)} was just changed, and every session was signed out.\n\nSign in again: ${signInUrl}\n\nIf you did not do this, reset your password at once and contact your WebStream account team.${signature}`,
  };
}
