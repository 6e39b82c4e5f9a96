/** "j•••@example.com": enough to recognise the mailbox, not to learn it. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '•••';
  return `${email.slice(0, 1)}•••${email.slice(at)}`;
}

export function codeSentMessage(result: { sent: true } | { sent: false; waitSeconds: number } | undefined): string | undefined {
  if (result === undefined) return undefined;
  return result.sent ? 'We have sent a new code. Only the newest code works.' : `We sent a code less than a minute ago. You can ask for another in ${result.waitSeconds} seconds.`;
}
