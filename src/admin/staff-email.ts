import { emailProblem } from '../accounts/email.js';
import { AppError } from '../core/errors.js';

/** A staff address as stored: trimmed and lowercased, so one person has one account whatever they type. */
export function normaliseStaffEmail(input: string): string {
  return input.trim().toLowerCase();
}

/** The normalised address, or a field error for the form (and the CLI's message). */
export function staffEmailOrThrow(input: string, field = 'email'): string {
  const problem = emailProblem(input);
  if (problem !== undefined) throw new AppError('validation_failed', 'Please correct the highlighted field.', 400, { [field]: [problem.replace('your contact email address', 'the staff member’s email address')] });
  return normaliseStaffEmail(input);
}

/** How a staff member appears as the actor of an audit entry. */
export function staffActor(email: string): string {
  return `staff:${email}`;
}
