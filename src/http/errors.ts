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

export const notFound = (what = 'Page'): AppError => new AppError('not_found', `${what} not found.`, 404);
export const forbidden = (message = 'You do not have access to this page.'): AppError =>
  new AppError('forbidden', message, 403);
export const badRequest = (message: string, fields: Record<string, string[]> = {}): AppError =>
  new AppError('bad_request', message, 400, fields);
