import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from './errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Routes that accept cross-site posts by design (the Marketplace landing, machine APIs). */
    crossSite?: boolean;
  }
}

/**
 * Defence in depth beside CSRF tokens: a state-changing request that says where it came from must come
 * from the portal's own origin (PUBLIC_URL, or the host it was sent to). (Browsers send Origin on every POST; clients that send none rely on the token.)
 */
export function originCheck(publicUrl: URL) {
  const allowed = publicUrl.origin;
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    if (SAFE_METHODS.has(req.method) || req.routeOptions.config.crossSite === true) return;
    const origin = req.headers.origin;
    // The request's own origin is as good as PUBLIC_URL's: a forged cross-site post carries the attacker's.
    if (origin !== undefined && origin !== allowed && origin !== `${req.protocol}://${req.host}`) {
      throw new AppError('cross_site_request', 'This form was sent from another site, so it was refused. Please use the portal directly.', 403);
    }
  };
}
