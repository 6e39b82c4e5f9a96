import { formatAccountId } from '../core/account-id.js';
import type { MailMessage } from '../mail/mailer.js';
import type { EmailCodePurpose } from '../db/schema.js';

const signature = '\n\n— WebStream Licence Portal\nIf you did not expect this email, contact your WebStream account team.';

const WHY: Record<EmailCodePurpose, string> = {
  sign_in: 'to finish signing in to',
  enable_mfa: 'to turn on email verification codes for',
  step_up: 'to confirm a change to the sign-in security of',
};

export function verificationCodeEmail(to: string, awsAccountId: string, code: string, purpose: EmailCodePurpose, validMinutes: number, codeExpiresAt: Date): MailMessage {
  return {
    to,
    template: 'mfa_email_code',
    secretExpiresAt: codeExpiresAt,
    // Not in the subject: the outbox keeps subjects in plain text for the record, and mail logs show them.
    subject: 'Your WebStream verification code',
    text: `Your verification code ${WHY[purpose]} the portal account for AWS account ${formatAccountId(awsAccountId)} is:\n\n    ${code}\n\nIt expires in ${validMinutes} minutes and works once. Never share it: WebStream staff will never ask for it.${signature}`,
  };
}

export function mfaChangedEmail(to: string, awsAccountId: string, change: 'enabled' | 'disabled', method: 'totp' | 'email', settingsUrl: string): MailMessage {
  const how = method === 'totp' ? 'an authenticator app' : 'email verification codes';
  const what = change === 'enabled' ? `Multi-factor authentication with ${how} was turned on` : `Multi-factor authentication (${how}) was turned off`;
  return {
    to,
    template: 'mfa_changed',
    subject: `MFA was turned ${change === 'enabled' ? 'on' : 'off'} for your WebStream portal account`,
    text: `${what} for the portal account of AWS account ${formatAccountId(awsAccountId)}. Every other session was signed out.\n\nReview your security settings: ${settingsUrl}\n\nIf you did not do this, reset your password at once and contact your WebStream account team.${signature}`,
  };
}

export function recoveryCodesRegeneratedEmail(to: string, awsAccountId: string, settingsUrl: string): MailMessage {
  return {
    to,
    template: 'recovery_codes_regenerated',
    subject: 'New MFA recovery codes for your WebStream portal account',
    text: `New recovery codes were created for the portal account of AWS account ${formatAccountId(awsAccountId)}; the old ones no longer work.\n\nReview your security settings: ${settingsUrl}${signature}`,
  };
}
