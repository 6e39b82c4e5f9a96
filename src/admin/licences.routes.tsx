import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ActivationService } from '../activations/activations.service.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { decodeCursor, encodeCursor } from '../core/keyset-cursor.js';
import { LICENCE_SOURCES, LICENCE_STATUSES, type LicenceStatus } from '../licences/licence.lifecycle.js';
import type { Actor, LicenceService } from '../licences/licences.service.js';
import type { Marketplace } from '../marketplace/marketplace.service.js';
import type { CookiePolicy } from '../sessions/session.plugin.js';
import { adminView } from './admin-view.js';
import { readAccountId, readDate, readPlan, readReason, readSeats } from './licence-input.js';
import type { LicenceFormProblem } from './licence-parts.js';
import { LicencePage, RevokeLicencePage, type LicencePermissions } from './licence.pages.js';
import { IssueLicencePage, LicenceListPage, type IssueValues, type LicenceListQuery } from './licences.pages.js';
import { can, type StaffAction } from './policy.js';
import { requirePermission, requireStaffPage, signedInStaff } from './staff-session.js';

const PAGE_SIZE = 50;
const ENDING_WITHIN_MS = 30 * 24 * 60 * 60 * 1000;
const Uuid = Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' });
const IdParams = Type.Object({ id: Uuid });
const Text = (maxLength = 1024) => Type.Optional(Type.String({ maxLength }));
const Reasoned = Type.Object({ reason: Text(), _csrf: Type.String() });
const ListQuery = Type.Object({ view: Text(20), status: Text(20), source: Text(20), plan: Text(64), ending: Text(4), after: Text(80), notice: Text(40) });

export interface LicenceRouteDeps {
  licences: LicenceService;
  activations: Pick<ActivationService, 'seatsInUse' | 'forLicence' | 'deactivate'>;
  marketplace: Pick<Marketplace, 'subscriptionsForLicence'>;
  clock: Clock;
  cookies: CookiePolicy;
}

const oneOf = <T extends string>(values: readonly T[], value: string | undefined): T | undefined => (values as readonly string[]).includes(value ?? '') ? (value as T) : undefined;

/** The lifecycle commands a staff member can send, with the permission each needs and the notice after it. */
const SIMPLE = { approve: 'licences.approve', reject: 'licences.reject', suspend: 'licences.suspend', reinstate: 'licences.reinstate' } as const satisfies Record<string, StaffAction>;

/**
 * /admin/licences: the list (filters, requests, keyset paging), one licence's page, and every change staff make
 * to licences. Each change asks the policy, needs a reason and goes through the licence service, so the
 * lifecycle, the seat rules and the audit log apply to staff as to everyone; a refusal re-renders the form.
 */
export function licenceRoutes({ licences, activations, marketplace, clock, cookies }: LicenceRouteDeps): FastifyPluginAsyncTypebox {
  const signedIn = requireStaffPage(cookies);
  const allowed = (action: StaffAction) => [signedIn, requirePermission(action)];
  const by = (req: FastifyRequest, reason: string): Actor => ({ actor: `staff:${signedInStaff(req, cookies).email}`, reason, ip: req.ip });

  async function found(id: string) {
    const licence = await licences.find(id);
    if (licence === undefined) throw new AppError('not_found', 'There is no such licence.', 404);
    return licence;
  }

  async function licencePage(req: FastifyRequest, reply: FastifyReply, id: string, problem?: LicenceFormProblem, status = 200) {
    const licence = await found(id);
    const role = signedInStaff(req, cookies).role;
    const s = licence.status as LicenceStatus;
    const may: LicencePermissions = {
      approve: s === 'requested' && can(role, 'licences.approve'),
      reject: s === 'requested' && can(role, 'licences.reject'),
      suspend: s === 'active' && can(role, 'licences.suspend'),
      reinstate: s === 'suspended' && can(role, 'licences.reinstate'),
      renew: (s === 'active' || s === 'expired') && can(role, 'licences.renew'),
      amend: (s === 'active' || s === 'suspended') && can(role, 'licences.amend'),
      revoke: s !== 'revoked' && can(role, 'licences.revoke'),
      deactivate: can(role, 'licences.deactivate_instance'),
    };
    const [transitions, rows, inUse, subscriptions] = await Promise.all([
      licences.transitionsFor(id),
      activations.forLicence(id),
      activations.seatsInUse([id]),
      licence.source === 'marketplace' ? marketplace.subscriptionsForLicence(id) : Promise.resolve(undefined),
    ]);
    return reply.page(<LicencePage ctx={adminView(req, reply)} licence={licence} seatsInUse={inUse.get(id) ?? 0} transitions={transitions} activations={rows} subscriptions={subscriptions} may={may} now={clock.now()} problem={problem} />, status);
  }

  /** Runs a change; a refusal (bad input, the lifecycle, the seat rules) comes back as the form's problem. */
  async function attempt(form: string, work: () => Promise<void>): Promise<{ problem: LicenceFormProblem; status: number } | undefined> {
    try {
      await work();
      return undefined;
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500 || error.status === 404) throw error;
      return { problem: { form, message: error.message, fields: error.fields }, status: error.status };
    }
  }

  async function change(req: FastifyRequest, reply: FastifyReply, id: string, form: string, work: () => Promise<void>) {
    const failed = await attempt(form, work);
    if (failed !== undefined) return licencePage(req, reply, id, failed.problem, failed.status);
    return reply.redirect(`/admin/licences/${id}?notice=licence-${form}`, 303);
  }

  return async (app) => {
    app.get('/licences', { preHandler: allowed('licences.view'), schema: { querystring: ListQuery } }, async (req, reply) => {
      const q = req.query;
      const query: LicenceListQuery = {
        view: q.view === 'requests' ? 'requests' : 'all',
        status: q.view === 'requests' ? 'requested' : oneOf(LICENCE_STATUSES, q.status),
        source: oneOf(LICENCE_SOURCES, q.source),
        plan: q.plan === undefined || q.plan === '' ? undefined : q.plan,
        ending: q.view !== 'requests' && q.ending === '30',
      };
      const now = clock.now();
      const cursor = decodeCursor(q.after);
      const filter = { status: query.status, source: query.source, plan: query.plan, endingBefore: query.ending ? new Date(now.getTime() + ENDING_WITHIN_MS) : undefined };
      const [page, plans, requested] = await Promise.all([licences.search(filter, cursor, PAGE_SIZE), licences.plans(), licences.countRequested()]);
      const seatsInUse = await activations.seatsInUse(page.rows.map((r) => r.id));
      const canIssue = can(signedInStaff(req, cookies).role, 'licences.issue');
      return reply.page(
        <LicenceListPage ctx={adminView(req, reply)} query={query} rows={page.rows} seatsInUse={seatsInUse} plans={plans} requested={requested} next={page.next === undefined ? undefined : encodeCursor(page.next)} paged={cursor !== undefined} now={now} canIssue={canIssue} />,
      );
    });

    const blank: IssueValues = { awsAccountId: '', plan: 'standard', seats: '5', startsOn: '', endsOn: '' };
    app.get('/licences/new', { preHandler: allowed('licences.issue') }, async (req, reply) => reply.page(<IssueLicencePage ctx={adminView(req, reply)} values={blank} />));

    app.post('/licences/new', { preHandler: allowed('licences.issue'), schema: { body: Type.Object({ awsAccountId: Text(40), plan: Text(64), seats: Text(12), startsOn: Text(20), endsOn: Text(20), reason: Text(), _csrf: Type.String() }) } }, async (req, reply) => {
      const b = req.body;
      const values: IssueValues = { awsAccountId: b.awsAccountId ?? '', plan: b.plan ?? '', seats: b.seats ?? '', startsOn: b.startsOn ?? '', endsOn: b.endsOn ?? '' };
      let createdId = '';
      const failed = await attempt('issue', async () => {
        const input = { awsAccountId: readAccountId(b.awsAccountId), plan: readPlan(b.plan), seats: readSeats(b.seats), startsAt: readDate(b.startsOn, 'startsOn', 'start'), endsAt: readDate(b.endsOn, 'endsOn', 'end') ?? null };
        const reason = readReason(b.reason);
        const created = await licences.create({ ...input, source: 'direct', ...(input.startsAt === undefined ? {} : { startsAt: input.startsAt }) }, 'issue', by(req, reason));
        createdId = created.id;
      });
      if (failed !== undefined) return reply.page(<IssueLicencePage ctx={adminView(req, reply)} values={values} problem={failed.problem} />, failed.status);
      return reply.redirect(`/admin/licences/${createdId}?notice=licence-issued`, 303);
    });

    app.get('/licences/:id', { preHandler: allowed('licences.view'), schema: { params: IdParams } }, async (req, reply) => licencePage(req, reply, req.params.id));

    for (const [form, action] of Object.entries(SIMPLE)) {
      app.post(`/licences/:id/${form}`, { preHandler: allowed(action), schema: { params: IdParams, body: Reasoned } }, async (req, reply) =>
        change(req, reply, req.params.id, form, async () => {
          const reason = readReason(req.body.reason);
          await licences.transition(req.params.id, { action: form as keyof typeof SIMPLE }, by(req, reason));
        }),
      );
    }

    app.post('/licences/:id/renew', { preHandler: allowed('licences.renew'), schema: { params: IdParams, body: Type.Object({ endsOn: Text(20), reason: Text(), _csrf: Type.String() }) } }, async (req, reply) =>
      change(req, reply, req.params.id, 'renew', async () => {
        const endsAt = readDate(req.body.endsOn, 'endsOn', 'end');
        if (endsAt === undefined) throw new AppError('validation_failed', 'Please correct the highlighted field.', 400, { endsOn: ['Enter the new end date.'] });
        const reason = readReason(req.body.reason);
        await licences.transition(req.params.id, { action: 'renew', endsAt }, by(req, reason));
      }),
    );

    app.post('/licences/:id/amend', { preHandler: allowed('licences.amend'), schema: { params: IdParams, body: Type.Object({ seats: Text(12), reason: Text(), _csrf: Type.String() }) } }, async (req, reply) =>
      change(req, reply, req.params.id, 'amend', async () => {
        const seats = readSeats(req.body.seats);
        const reason = readReason(req.body.reason);
        await licences.amend(req.params.id, { seats }, by(req, reason));
      }),
    );

    app.get('/licences/:id/revoke', { preHandler: allowed('licences.revoke'), schema: { params: IdParams } }, async (req, reply) => reply.page(<RevokeLicencePage ctx={adminView(req, reply)} licence={await found(req.params.id)} />));

    app.post('/licences/:id/revoke', { preHandler: allowed('licences.revoke'), schema: { params: IdParams, body: Reasoned } }, async (req, reply) => {
      const { id } = req.params;
      const failed = await attempt('revoke', async () => {
        const reason = readReason(req.body.reason);
        await licences.transition(id, { action: 'revoke' }, by(req, reason));
      });
      if (failed !== undefined) return reply.page(<RevokeLicencePage ctx={adminView(req, reply)} licence={await found(id)} problem={failed.problem} />, failed.status);
      return reply.redirect(`/admin/licences/${id}?notice=licence-revoked`, 303);
    });

    app.post('/licences/:id/activations/:activationId/deactivate', { preHandler: allowed('licences.deactivate_instance'), schema: { params: Type.Object({ id: Uuid, activationId: Uuid }), body: Reasoned } }, async (req, reply) => {
      const { id, activationId } = req.params;
      const failed = await attempt(`deactivate-${activationId}`, async () => {
        const reason = readReason(req.body.reason);
        const { actor, ip } = by(req, reason);
        try {
          await activations.deactivate(activationId, { staff: { actor, reason, licenceId: id, ...(ip === undefined ? {} : { ip }) } });
        } catch (error) {
          if (error instanceof AppError && error.code === 'activation_not_found') throw new AppError('not_found', 'This licence has no such activation.', 404);
          throw error;
        }
      });
      if (failed !== undefined) return licencePage(req, reply, id, failed.problem, failed.status);
      return reply.redirect(`/admin/licences/${id}?notice=instance-deactivated`, 303);
    });
  };
}
