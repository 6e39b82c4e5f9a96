import type { FastifyRequest } from 'fastify';
import type { CurrentSession } from './account-settings.service.js';

/** The signed-in browser's session (its raw token is needed to keep it while ending the others). */
export function currentSessionOf(req: FastifyRequest): CurrentSession | undefined {
  const session = req.portalSession;
  const token = req.portalSessionToken;
  if (session === undefined || token === undefined) return undefined;
  return { id: session.id, accountId: session.accountId, awsAccountId: session.awsAccountId, token };
}
