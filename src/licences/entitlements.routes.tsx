import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { viewContext } from '../http/page.js';
import type { Clock } from '../core/clock.js';
import { requireAccount } from '../sessions/session.plugin.js';
import { renderFragment } from '../core/render.js';
import { EntitlementsPage, LicenceList } from './entitlements.page.js';
import { nextDisplayChange } from './licence.lifecycle.js';
import { licenceTerms } from './licence.terms.js';
import type { LicenceService } from './licences.service.js';
import { createRenderedListCache } from './rendered-list.cache.js';

export interface EntitlementRouteDeps {
  licences: Pick<LicenceService, 'listForAccount'>;
  clock: Clock;
}

export function entitlementRoutes({ licences, clock }: EntitlementRouteDeps): FastifyPluginAsyncTypebox {
  // The licence list is re-rendered only when the account's licences change (or a displayed status
  // would change with time): the most visited page then costs one query, the session's.
  const lists = createRenderedListCache();
  return async (app) => {
    app.get('/portal/entitlements', { preHandler: requireAccount }, async (req, reply) => {
      const session = req.portalSession;
      if (session === undefined) return reply;
      const now = clock.now();
      const listHtml = await lists.get(session.accountId, session.licencesVersion, now, async () => {
        const held = await licences.listForAccount(session.awsAccountId);
        return { html: renderFragment(<LicenceList licences={held} now={now} />), validUntil: nextDisplayChange(held.map(licenceTerms), now) };
      });
      return reply.page(<EntitlementsPage ctx={viewContext(req, reply)} awsAccountId={session.awsAccountId} listHtml={listHtml} />);
    });
  };
}
