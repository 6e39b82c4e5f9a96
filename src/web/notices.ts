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
  'session-expired': 'Your session has ended. Please sign in again.',
};

export function noticeText(code: string): string | undefined {
  return NOTICES[code];
}
