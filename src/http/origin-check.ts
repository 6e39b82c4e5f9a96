import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Routes that accept cross-site posts by design (the Marketplace landing, machine APIs). */
    crossSite?: boolean;
  }
}

/**
 * Defence in depth beside CSRF tokens: a state-changing request from a browser must come from the
 * portal itself. Two signals, either of which refuses a forged post:
 * - `Sec-Fetch-Site` (Fetch Metadata, sent by current browsers whatever the referrer policy): anything
 *   but same-origin or a user-typed navigation is refused.
 * - `Origin`: must be PUBLIC_URL's origin or the host the request was sent to. Our Referrer-Policy
 *   (no-referrer) makes browsers send `Origin: null` on our own forms, so "null" is accepted only when
 *   Fetch Metadata vouches that the request is same-origin.
 * Clients that send neither (scripts, old browsers) still need the CSRF token.
 */
export function originCheck(publicUrl: URL) {
  const allowed = publicUrl.origin;
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    if (SAFE_METHODS.has(req.method) || req.routeOptions.config.crossSite === true) return;
    const site = req.headers['sec-fetch-site'];
    const origin = req.headers.origin;
    const sameOriginFetch = site === 'same-origin' || site === 'none';
    const refused =
      (site !== undefined && !sameOriginFetch) ||
      (origin === 'null' && !sameOriginFetch) ||
      (origin !== undefined && origin !== 'null' && origin !== allowed && origin !== `${req.protocol}://${req.host}`);
    if (refused) {
      throw new AppError('cross_site_request', 'This form was sent from another site, so it was refused. Please use the portal directly.', 403);
    }
  };
}
