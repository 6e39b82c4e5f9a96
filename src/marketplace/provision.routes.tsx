import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { viewContext } from '../http/page.js';
import { clientOf } from '../http/client.js';
import { requireAccount } from '../sessions/session.plugin.js';
import { linkErrors, MarketplaceError } from './marketplace.errors.js';
import { PROVISION_PATH, ProvisionPage } from './marketplace.pages.js';
import type { ProvisioningService } from './provisioning.service.js';
import { sendMarketplaceProblem, setRetryAfter } from './marketplace.problem.js';
import { SUBSCRIPTION_ID, SUBSCRIPTION_ID_PATTERN } from './subscription.rules.js';

const SubscriptionId = Type.String({ pattern: SUBSCRIPTION_ID_PATTERN });

/**
 * Provisioning: a progress page whose form posts by itself (script) or by its button, then the work
 * (GetEntitlements, then the licence through the lifecycle) and My Entitlements. Only the signed-in
 * account that owns the linked subscription gets anywhere; AWS errors get the page again with a retry.
 */
export interface ProvisionRouteDeps {
  provisioning: ProvisioningService;
}

export function provisionRoutes({ provisioning }: ProvisionRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(PROVISION_PATH, { preHandler: requireAccount, schema: { querystring: Type.Object({ subscription: Type.Optional(Type.String({ maxLength: 64 })) }) } }, async (req, reply) => {
      const session = req.portalSession;
      if (session === undefined) return reply;
      const id = req.query.subscription ?? '';
      const subscription = SUBSCRIPTION_ID.test(id) ? await provisioning.findOwned(id, session.awsAccountId) : undefined;
      if (subscription === undefined) return sendMarketplaceProblem(req, reply, linkErrors.subscriptionNotFound());
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
        if (error.code === 'marketplace_subscription_not_found') return sendMarketplaceProblem(req, reply, error);
        setRetryAfter(reply, error);
        const shown = { title: error.title, message: error.message, retryable: error.retryable };
        return reply.page(<ProvisionPage ctx={viewContext(req, reply)} subscriptionId={subscriptionId} awsAccountId={session.awsAccountId} error={shown} />, error.status);
      }
    });
  };
}
