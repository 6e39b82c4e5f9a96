import type { FastifyRequest } from 'fastify';
import type { ClientInfo } from '../core/client-info.js';

export function clientOf(req: FastifyRequest): ClientInfo {
  return { ip: req.ip, userAgent: req.headers['user-agent'] ?? '' };
}
