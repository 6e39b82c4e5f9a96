import type { MailMessage } from '../mail/mailer.js';
import { EMAIL_SIGNATURE } from '../mail/signature.js';
import type { StaffInvitationPurpose, StaffRole } from '../db/schema.js';
import { ROLE_LABELS } from './policy.js';

/** The single-use link of an invitation or of a TOTP reset; its body is erased from the outbox once it expires. */
export function staffLinkEmail(to: string, purpose: StaffInvitationPurpose, role: StaffRole, url: string, expiresAt: Date): MailMessage {
  const until = `${expiresAt.toISOString().slice(0, 10)} at ${expiresAt.toISOString().slice(11, 16)} UTC`;
  if (purpose === 'invite') {
    return {
      to,
      template: 'staff_invitation',
      secretExpiresAt: expiresAt,
      subject: 'You are invited to the WebStream admin panel',
      text: `You have been given a staff account (${ROLE_LABELS[role]}) in the WebStream Licence Portal's admin panel.\n\nTo choose your password and set up your authenticator app, open this link. It works once, until ${until}:\n${url}\n\nYou will need an authenticator app (for example Google Authenticator, Microsoft Authenticator or 1Password) on your phone or computer.${EMAIL_SIGNATURE}`,
    };
  }
  if (purpose === 'recovery') {
    return {
      to,
      template: 'staff_recovery',
      secretExpiresAt: expiresAt,
      subject: 'Choose a new password for the WebStream admin panel',
      text: `An admin reset the password and the authenticator of your WebStream admin panel account, and every session of it was signed out.\n\nTo choose a new password and set up your authenticator app again, open this link. It works once, until ${until}:\n${url}\n\nIf you did not ask for this, tell your WebStream admin at once.${EMAIL_SIGNATURE}`,
    };
  }
  return {
    to,
    template: 'staff_totp_reset',
    secretExpiresAt: expiresAt,
    subject: 'Set up your authenticator again for the WebStream admin panel',
    text: `An admin reset the authenticator of your WebStream admin panel account, and every session of it was signed out.\n\nTo set up your authenticator app again, open this link and enter your current password. It works once, until ${until}:\n${url}\n\nIf you did not expect this, tell your WebStream admin at once.${EMAIL_SIGNATURE}`,
  };
}
