/**
 * Notices shown after a redirect are picked by code from this list, never taken from the URL as text,
 * so a link cannot put words on a portal page.
 */
const NOTICES: Record<string, string> = {
  'signed-out': 'You have signed out.',
  'password-reset': 'Your password has been changed and every session was signed out. Sign in with your new password.',
  'reset-requested': 'If a portal account exists for that AWS account ID, we have emailed a password reset link to its contact address. The link works once and expires in 45 minutes.',
  'email-verified': 'Thank you: your contact email address is verified.',
  'welcome': 'Welcome! Your portal account is ready. We have sent a link to verify your contact email address.',
  'code-recent': 'We emailed you a code less than a minute ago: use the code from that email.',
  'mfa-disabled': 'MFA is off. Every other session was signed out, and we emailed your contact address.',
  'mfa-setup-expired': 'That set-up has expired or was already finished. Start again if MFA is still off.',
  'mfa-required': 'This portal requires multi-factor authentication (MFA). Set it up below to continue: an authenticator app, or codes emailed to your contact address.',
  'mfa-already-on': 'MFA is already on. Turn it off first to switch to another method.',
  'session-expired': 'Your session has ended. Please sign in again.',
  'password-changed': 'Your password has been changed. Every other session of your account was signed out; this one stays signed in.',
  'password-set': 'Your new password is set. From now on, sign in with it.',
  'email-change-sent': 'We have emailed a confirmation link to your new address. Your contact email changes once you open the link and confirm.',
  'session-ended': 'That session has been signed out.',
  'sessions-ended': 'Every other session of your account has been signed out.',
  'session-not-found': 'That session had already ended.',
  'instance-deactivated': 'The instance was deactivated and its seat is free. It is kept in the licence history.',
  'activation-not-found': 'That activation had already ended.',
  'deactivation-limit': 'This licence has reached its limit of deactivations for 24 hours, so the instance keeps its seat. Try again later, or contact us.',
  'marketplace-provisioned': 'Your AWS Marketplace subscription is linked and your licence is ready. It is listed below with the source AWS Marketplace.',
};

export function noticeText(code: string): string | undefined {
  return NOTICES[code];
}
