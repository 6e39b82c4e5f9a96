import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { landingRoutes, type LandingRouteDeps } from './landing.routes.js';
import { linkRoutes, type LinkRouteDeps } from './link.routes.js';
import { provisionRoutes, type ProvisionRouteDeps } from './provision.routes.js';

export type MarketplaceRouteDeps = Omit<LandingRouteDeps, 'cookies'> & LinkRouteDeps & ProvisionRouteDeps;

/** The buyer's AWS Marketplace journey: landing → link → provisioning (DESIGN.md §4, steps 1–5). */
export function marketplaceRoutes(deps: MarketplaceRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    await app.register(landingRoutes({ ...deps, cookies: deps.browser.cookies }));
    await app.register(linkRoutes(deps));
    await app.register(provisionRoutes(deps));
  };
}
