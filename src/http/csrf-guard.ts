import type { FastifyInstance } from 'fastify';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Every state-changing form must carry the CSRF token (checked once the body is parsed). */
export function installCsrfGuard(app: FastifyInstance): void {
  app.addHook('preValidation', (req, reply, done) => {
    if (SAFE_METHODS.has(req.method) || req.routeOptions.config.crossSite === true) {
      done();
      return;
    }
    app.csrfProtection(req, reply, done);
  });
}
