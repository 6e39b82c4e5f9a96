import type { FastifyReply, FastifyRequest } from 'fastify';
import { viewContext } from '../http/page.js';
import type { MarketplaceError } from './marketplace.errors.js';
import { MarketplaceProblemPage } from './marketplace.pages.js';

/** Retry-After only when trying the same step again later can help (throttling, AWS unavailable). */
export function setRetryAfter(reply: FastifyReply, error: MarketplaceError): void {
  if (error.retryable) reply.header('retry-after', '60');
}

/** The Marketplace error page for `error`, with its status (and Retry-After when it is retryable). */
export function sendMarketplaceProblem(req: FastifyRequest, reply: FastifyReply, error: MarketplaceError) {
  setRetryAfter(reply, error);
  return reply.page(<MarketplaceProblemPage ctx={viewContext(req, reply)} title={error.title} message={error.message} />, error.status);
}
