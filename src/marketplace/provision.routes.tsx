import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { viewContext } from '../http/page.js';
import { clientOf } from '../http/client.js';
import type { Services } from '../services.js';
import { requireAccount } from '../sessions/session.plugin.js';
import { linkErrors, MarketplaceError } from './marketplace.errors.js';
import { MarketplaceProblemPage, PROVISION_PATH, ProvisionPage } from './marketplace.pages.js';

const SubscriptionId = Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' });

/**
 * Provisioning: a progress page whose form posts by itself (script) or by its button, then the work
 * (GetEntitlements, then the licence through the lifecycle) and My Entitlements. Only the signed-in
 * account that owns the linked subscription gets anywhere; AWS errors get the page again with a retry.
 */
export function provisionRoutes(services: Services): FastifyPluginAsyncTypebox {
  const provisioning = services.marketplace.provisioning;
  return async (app) => {
    app.get(PROVISION_PATH, { preHandler: requireAccount, schema: { querystring: Type.Object({ subscription: Type.Optional(Type.String({ maxLength: 64 })) }) } }, async (req, reply) => {
      const session = req.portalSession;
      if (session === undefined) return reply;
      const id = req.query.subscription ?? '';
      const subscription = /^[0-9a-f-]{36}$/.test(id) ? await provisioning.findOwned(id, session.awsAccountId) : undefined;
      if (subscription === undefined) {
        const error = linkErrors.subscriptionNotFound();
        return reply.page(<MarketplaceProblemPage ctx={viewContext(req, reply)} title={error.title} message={error.message} />, error.status);
      }
      return reply.page(<ProvisionPage ctx={viewContext(req, reply)} subscriptionId={subscription.id} awsAccountId={subscription.aws_account_id} />);
    });

    app.post(PROVISION_PATH, { preHandler: requireAccount, schema: { body: Type.Object({ subscription: SubscriptionId, _csrf: Type.String() }) } }, async (req, reply) => {
      const session = req.portalSession;
      if (session === undefined) return reply;
      const subscriptionId = req.body.subscription;
      try {
        await provisioning.provision(subscriptionId, { id: session.accountId, awsAccountId: session.awsAccountId }, clientOf(req));
        return await reply.redirect('/portal/entitlements?notice=marketplace-provisioned', 303);
      } catch (error) {
        if (!(error instanceof MarketplaceError)) throw error;
        if (error.code === 'marketplace_subscription_not_found') {
          return reply.page(<MarketplaceProblemPage ctx={viewContext(req, reply)} title={error.title} message={error.message} />, error.status);
        }
        if (error.retryable) reply.header('retry-after', '60');
        const shown = { title: error.title, message: error.message, retryable: error.retryable };
        return reply.page(<ProvisionPage ctx={viewContext(req, reply)} subscriptionId={subscriptionId} awsAccountId={session.awsAccountId} error={shown} />, error.status);
      }
    });
  };
}
