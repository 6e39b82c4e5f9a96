import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { viewContext } from '../http/page.js';
import { clientOf } from '../http/client.js';
import { AppError } from '../core/errors.js';
import type { CookiePolicy } from '../sessions/session.plugin.js';
import type { LandingService } from './landing.service.js';
import { setLinkCookie } from './link-cookie.js';
import { MarketplaceError } from './marketplace.errors.js';
import { LandingContinuePage, LandingInfoPage, LINK_PATH } from './marketplace.pages.js';
import { sendMarketplaceProblem } from './marketplace.problem.js';

const LANDING_PATH = '/marketplace/landing';

/**
 * The fulfillment URL. AWS posts the buyer's browser here from an aws.amazon.com page: cross-site, so it
 * is exempt from the origin check and CSRF token (no portal cookie comes with it; the registration token
 * is the proof, redeemed at once server-side). Unknown form fields (e.g. an offer type) are ignored.
 */
export interface LandingRouteDeps {
  landing: LandingService;
  cookies: CookiePolicy;
  /** Landing posts allowed per source address per minute. */
  landingsPerMinute: number;
}

export function landingRoutes({ landing: landings, cookies, landingsPerMinute }: LandingRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(LANDING_PATH, async (req, reply) => reply.page(<LandingInfoPage ctx={viewContext(req, reply)} />));

    app.post(
      LANDING_PATH,
      {
        // Each landing costs a ResolveCustomer call: junk posts must not use up the seller's AWS quota.
        config: {
          crossSite: true,
          rateLimit: {
            max: landingsPerMinute,
            timeWindow: 60_000,
            errorResponseBuilder: (_req, context) =>
              new AppError('too_many_requests', `Too many attempts from your network. Please wait ${Math.ceil(context.ttl / 1000)} seconds, then go back to AWS Marketplace and press “Set up your account” again.`, 429),
          },
        },
        // The length is checked by the service, so an odd token gets the friendly page, not a schema error.
        schema: { body: Type.Object({ 'x-amzn-marketplace-token': Type.Optional(Type.String()) }) },
      },
      async (req, reply) => {
        try {
          const landing = await landings.redeemRegistrationToken(req.body['x-amzn-marketplace-token'], clientOf(req));
          setLinkCookie(reply, cookies, landing.handshake, landing.handshakeExpiresAt);
          // 200 (AWS checks it), then on to the link page: the Refresh header needs no script, the button covers the rest.
          reply.header('refresh', `1; url=${LINK_PATH}`);
          return await reply.page(<LandingContinuePage ctx={viewContext(req, reply)} awsAccountId={landing.awsAccountId} />);
        } catch (error) {
          if (!(error instanceof MarketplaceError)) throw error;
          return sendMarketplaceProblem(req, reply, error);
        }
      },
    );
  };
}
