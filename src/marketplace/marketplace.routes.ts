import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../services.js';
import { landingRoutes } from './landing.routes.js';
import { linkRoutes } from './link.routes.js';
import { provisionRoutes } from './provision.routes.js';

/** The buyer's AWS Marketplace journey: landing → link → provisioning (DESIGN.md §4, steps 1–5). */
export function marketplaceRoutes(services: Services): FastifyPluginAsyncTypebox {
  return async (app) => {
    await app.register(landingRoutes(services));
    await app.register(linkRoutes(services));
    await app.register(provisionRoutes(services));
  };
}
