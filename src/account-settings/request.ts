import type { FastifyRequest } from 'fastify';
import type { ClientInfo } from '../accounts/registration.service.js';
import type { CurrentSession } from './account-settings.service.js';

export function clientOf(req: FastifyRequest): ClientInfo {
  return { ip: req.ip, userAgent: req.headers['user-agent'] ?? '' };
}

/** The signed-in browser's session (its raw token is needed to keep it while ending the others). */
export function currentSessionOf(req: FastifyRequest): CurrentSession | undefined {
  const session = req.portalSession;
  const token = req.portalSessionToken;
  if (session === undefined || token === undefined) return undefined;
  return { id: session.id, accountId: session.accountId, awsAccountId: session.awsAccountId, token };
}
