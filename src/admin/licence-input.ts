import { normaliseAccountId } from '../core/account-id.js';
import { AppError } from '../core/errors.js';
import { checkReason } from './reason-field.js';

/** The admin panel's licence forms, read and checked before anything reaches the lifecycle. Pure. */

export const SEATS_MAX = 100_000;

function invalid(field: string, message: string): AppError {
  return new AppError('validation_failed', 'Please correct the highlighted field.', 400, { [field]: [message] });
}

/** Every staff change to a licence says why, by the rule every staff reason follows; kept in its history and the audit log. */
export function readReason(input: string | undefined): string {
  const checked = checkReason(input);
  if (!checked.ok) throw invalid('reason', checked.message);
  return checked.reason;
}

export function readSeats(input: string | undefined, field = 'seats'): number {
  const text = (input ?? '').trim();
  if (!/^\d{1,6}$/.test(text) || Number(text) < 1 || Number(text) > SEATS_MAX) throw invalid(field, `Enter a whole number of seats from 1 to ${SEATS_MAX}.`);
  return Number(text);
}

/**
 * A date typed as YYYY-MM-DD, in UTC. An end date means the end of that day (the licence is good through it);
 * a start date its beginning. Empty is `undefined` (the caller decides: no end date, or starting now).
 */
export function readDate(input: string | undefined, field: string, edge: 'start' | 'end'): Date | undefined {
  const text = (input ?? '').trim();
  if (text === '') return undefined;
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const date = match === null ? undefined : new Date(`${text}T${edge === 'start' ? '00:00:00.000' : '23:59:59.000'}Z`);
  if (date === undefined || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text) throw invalid(field, 'Enter a date as YYYY-MM-DD, for example 2027-01-31.');
  return date;
}

export function readAccountId(input: string | undefined): string {
  const id = normaliseAccountId(input ?? '');
  if (!id.ok) throw invalid('awsAccountId', id.message.replace('your ', 'the customer’s '));
  return id.accountId;
}

export function readPlan(input: string | undefined): string {
  const plan = (input ?? '').trim();
  // The CLI's rule (src/cli/licence.commands.ts), so a plan issued here looks like one issued there.
  if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/.test(plan)) throw invalid('plan', 'A plan name is 1 to 64 letters, digits, spaces, dots, dashes or underscores.');
  return plan;
}

/** YYYY-MM-DD of a date, to fill a form back in. */
export const dateInput = (date: Date | null | undefined): string => (date === null || date === undefined ? '' : date.toISOString().slice(0, 10));
