import type { FastifyRequest } from 'fastify';

/** One log line per answered error: an outage warns, a bug is an error with its stack, a refusal is info. */
export function logAnswer(req: FastifyRequest, error: Error, status: number, code: string): void {
  if (status === 503) req.log.warn({ code, reason: error.message }, 'database unavailable');
  else if (status >= 500) req.log.error({ err: error }, 'request failed');
  else req.log.info({ code }, 'request refused');
}
