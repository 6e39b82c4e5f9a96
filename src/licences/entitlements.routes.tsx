import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { viewContext } from '../http/page.js';
import type { Clock } from '../core/clock.js';
import { requireAccount } from '../sessions/session.plugin.js';
import { renderFragment } from '../core/render.js';
import { ActivationsSection } from './activations.section.js';
import { EntitlementsPage, LicenceList } from './entitlements.page.js';
import { nextDisplayChange } from './licence.lifecycle.js';
import { licenceTerms } from './licence.terms.js';
import type { LicenceService } from './licences.service.js';
import { createRenderedListCache } from './rendered-list.cache.js';
import type { OwnerDeactivation, SeatHolder, SeatHolders } from './seat-holders.js';

export interface EntitlementRouteDeps {
  licences: Pick<LicenceService, 'listForAccount'>;
  seatHolders: SeatHolders;
  clock: Clock;
}

const ActivationParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' }) });
const DEACTIVATION_NOTICE: Record<OwnerDeactivation, string> = {
  deactivated: 'instance-deactivated',
  not_found: 'activation-not-found',
  already_ended: 'activation-not-found',
  limit_reached: 'deactivation-limit',
};

/** Seats in use per licence, and when the next alive activation turns stale (the list shows both). */
function seatUse(activations: readonly SeatHolder[], now: Date): { used: Map<string, number>; nextStale: Date | null } {
  const used = new Map<string, number>();
  let nextStale: Date | null = null;
  for (const a of activations) {
    if (a.staleAfter <= now) continue;
    used.set(a.licenceId, (used.get(a.licenceId) ?? 0) + 1);
    if (nextStale === null || a.staleAfter < nextStale) nextStale = a.staleAfter;
  }
  return { used, nextStale };
}

const earliest = (a: Date | null, b: Date | null) => (a === null ? b : b === null ? a : a < b ? a : b);

export function entitlementRoutes({ licences, seatHolders, clock }: EntitlementRouteDeps): FastifyPluginAsyncTypebox {
  // The licence list is re-rendered only when the account's licences change (or a displayed status
  // would change with time): the most visited page then costs one query, the session's.
  const lists = createRenderedListCache();
  return async (app) => {
    app.get('/portal/entitlements', { preHandler: requireAccount }, async (req, reply) => {
      const session = req.portalSession;
      if (session === undefined) return reply;
      const now = clock.now();
      const [held, activations] = await Promise.all([licences.listForAccount(session.awsAccountId), seatHolders.listOpen(session.awsAccountId)]);
      const { used, nextStale } = seatUse(activations, now);
      // Seats in use are part of the cached list: a change of them is a new version of it.
      const version = `${session.licencesVersion}:${[...used].map(([id, n]) => `${id}=${n}`).join(',')}`;
      const listHtml = await lists.get(session.accountId, version, now, async () => ({
        html: renderFragment(<LicenceList licences={held} seatsInUse={used} now={now} />),
        validUntil: earliest(nextDisplayChange(held.map(licenceTerms), now), nextStale),
      }));
      return reply.page(<EntitlementsPage ctx={viewContext(req, reply)} awsAccountId={session.awsAccountId} listHtml={listHtml} activations={<ActivationsSection ctx={viewContext(req, reply)} activations={activations} licences={held} now={now} />} />);
    });

    app.post('/portal/activations/:id/deactivate', { preHandler: requireAccount, schema: { params: ActivationParams } }, async (req, reply) => {
      const session = req.portalSession;
      if (session === undefined) return reply;
      const outcome = await seatHolders.deactivateForOwner(req.params.id.toLowerCase(), session.awsAccountId);
      return reply.redirect(`/portal/entitlements?notice=${DEACTIVATION_NOTICE[outcome]}`, 303);
    });
  };
}
