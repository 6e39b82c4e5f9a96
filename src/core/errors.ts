/**
 * The one error type the features throw. `code` is stable (tests and API clients rely on it);
 * `message` is safe to show to the user; `fields` carries per-field messages for forms.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = 400,
    readonly fields: Record<string, string[]> = {},
    /** For API answers: when to try again (429, 503), and facts beyond the sentence (e.g. seats and seats in use). */
    readonly extra: { retryAfterSeconds?: number; members?: Record<string, string | number | boolean> } = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}
