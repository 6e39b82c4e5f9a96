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
  ) {
    super(message);
    this.name = 'AppError';
  }
}
