import type { FastifyInstance } from 'fastify';

/**
 * JSON answers (account data, API results) and any answer that sets a cookie (a session, a CSRF secret, a
 * sign-in challenge) must never be stored by a browser or shared cache. Pages set no-store themselves;
 * static assets set neither, and keep their own caching.
 */
export function installNoStoreForPrivateAnswers(app: FastifyInstance): void {
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (!reply.hasHeader('cache-control')) {
      const type = String(reply.getHeader('content-type') ?? '');
      if (reply.hasHeader('set-cookie') || /^application\/([\w.+-]*\+)?json\b/i.test(type)) reply.header('cache-control', 'no-store');
    }
    done(null, payload);
  });
}
