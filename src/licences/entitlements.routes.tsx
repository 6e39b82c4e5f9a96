import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { viewContext } from '../http/page.js';
import type { Services } from '../services.js';
import { requireAccount } from '../sessions/session.plugin.js';
import { EntitlementsPage } from './entitlements.page.js';

export function entitlementRoutes(services: Services): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/portal/entitlements', { preHandler: requireAccount }, async (req, reply) => {
      const session = req.portalSession;
      if (session === undefined) return reply;
      const licences = await services.licences.listForAccount(session.awsAccountId);
      return reply.page(<EntitlementsPage ctx={viewContext(req, reply)} awsAccountId={session.awsAccountId} licences={licences} now={services.clock.now()} />);
    });
  };
}
