import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { viewContext } from '../http/page.js';
import type { Services } from '../services.js';
import { requireAccount } from '../sessions/session.plugin.js';
import { renderFragment } from '../core/render.js';
import { EntitlementsPage, LicenceList } from './entitlements.page.js';
import { nextDisplayChange } from './licence.lifecycle.js';
import { licenceTerms } from './licence.terms.js';
import { createRenderedListCache } from './rendered-list.cache.js';

export function entitlementRoutes(services: Services): FastifyPluginAsyncTypebox {
  // The licence list is re-rendered only when the account's licences change (or a displayed status
  // would change with time): the most visited page then costs one query, the session's.
  const lists = createRenderedListCache();
  return async (app) => {
    app.get('/portal/entitlements', { preHandler: requireAccount }, async (req, reply) => {
      const session = req.portalSession;
      if (session === undefined) return reply;
      const now = services.clock.now();
      const listHtml = await lists.get(session.accountId, session.licencesVersion, now, async () => {
        const licences = await services.licences.listForAccount(session.awsAccountId);
        return { html: renderFragment(<LicenceList licences={licences} now={now} />), validUntil: nextDisplayChange(licences.map(licenceTerms), now) };
      });
      return reply.page(<EntitlementsPage ctx={viewContext(req, reply)} awsAccountId={session.awsAccountId} listHtml={listHtml} />);
    });
  };
}
