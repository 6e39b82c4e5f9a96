/** AWS account IDs are 12 digits; people paste them with dashes or spaces, which we strip. */
export type AccountIdResult = { ok: true; accountId: string } | { ok: false; message: string };

export const ACCOUNT_ID_HINT = '12 digits, for example 1234-5678-9012. Dashes and spaces are fine.';

export function normaliseAccountId(input: string): AccountIdResult {
  const stripped = input.replace(/[\s-]/g, '');
  if (stripped === '') return { ok: false, message: 'Enter your 12-digit AWS account ID.' };
  if (!/^\d+$/.test(stripped)) {
    return { ok: false, message: 'An AWS account ID contains only digits (dashes and spaces are allowed between them).' };
  }
  if (stripped.length !== 12) {
    return { ok: false, message: `An AWS account ID has exactly 12 digits; this one has ${stripped.length}.` };
  }
  return { ok: true, accountId: stripped };
}

/** 123456789012 → 1234-5678-9012, as the AWS console shows it. */
export function formatAccountId(accountId: string): string {
  return accountId.replace(/^(\d{4})(\d{4})(\d{4})$/, '$1-$2-$3');
}
