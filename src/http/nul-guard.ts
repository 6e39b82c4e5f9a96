import type { FastifyInstance } from 'fastify';
import { AppError } from '../core/errors.js';

/** True when a parsed value (string, array or object, keys included) holds a NUL character anywhere. */
function holdsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 32 || value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([key, item]) => key.includes('\u0000') || holdsNul(item, depth + 1));
}

/**
 * PostgreSQL refuses NUL in text, so a field holding one would fail at the database as a 500 (an email
 * address may contain any other character). No form or API of ours needs one: refuse it at the edge.
 */
export function installNulGuard(app: FastifyInstance, message = 'The form contained a character that is not allowed (a null character). Go back, remove it and try again.'): void {
  app.addHook('preValidation', async (req) => {
    if (holdsNul(req.body) || holdsNul(req.query) || holdsNul(req.params)) throw new AppError('bad_request', message, 400);
  });
}
