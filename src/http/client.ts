import type { FastifyRequest } from 'fastify';

/** Who made a request, as audit entries and session lists record it. */
export interface ClientInfo {
  ip: string;
  userAgent: string;
}

export function clientOf(req: FastifyRequest): ClientInfo {
  return { ip: req.ip, userAgent: req.headers['user-agent'] ?? '' };
}
