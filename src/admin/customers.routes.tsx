import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { describeDevice } from '../account-settings/device.js';
import type { AccountProvisioningService } from '../accounts/account-provisioning.service.js';
import type { CustomerAccountsService, StaffChange } from '../accounts/customer-accounts.service.js';
import type { PasswordResetService } from '../accounts/password-reset.service.js';
import type { ActivationRow, LicenceRow, MarketplaceSubscriptionRow } from '../db/schema.js';
import type { AuditSearchRepo } from '../audit/audit-search.repo.js';
import { normaliseAccountId } from '../core/account-id.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { MfaService } from '../mfa/mfa.service.js';
import type { CookiePolicy } from '../sessions/session.plugin.js';
import type { SessionService } from '../sessions/sessions.service.js';
import { adminView } from './admin-view.js';
import { CustomerConfirmPage, type ConfirmAction } from './customer-confirm.page.js';
import { CustomerPage, type CustomerDetails, type CustomerProblem } from './customer.page.js';
import { CustomerSearchPage } from './customer-search.page.js';
import { can, type StaffAction } from './policy.js';
import { checkReason } from './reason-field.js';
import { requirePermission, requireStaffPage, signedInStaff } from './staff-session.js';

export interface CustomerRouteDeps {
  customers: CustomerAccountsService;
  provisioning: Pick<AccountProvisioningService, 'createWithOneTimePassword'>;
  passwordReset: Pick<PasswordResetService, 'sendResetByStaff'>;
  mfa: Pick<MfaService, 'resetByStaff'>;
  sessions: Pick<SessionService, 'listForAccount'>;
  licences: { listForAccount(awsAccountId: string): Promise<LicenceRow[]> };
  marketplace: { subscriptionsForAccount(awsAccountId: string): Promise<MarketplaceSubscriptionRow[]> };
  activations: { openForAccount(awsAccountId: string): Promise<ActivationRow[]> };
  auditSearch: Pick<AuditSearchRepo, 'page'>;
  clock: Clock;
  cookies: CookiePolicy;
}

const PAGE_SIZE = 25;
const AUDIT_ROWS = 50;
const AccountParams = Type.Object({ awsAccountId: Type.String({ maxLength: 40 }) });
const Csrf = { _csrf: Type.String() };
const WithReason = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 4000 })), ...Csrf });

/** /admin/customers: search (every role), the customer page (every role), and the customer actions (support and admin). */
export function customersRoutes(deps: CustomerRouteDeps): FastifyPluginAsyncTypebox {
  const { customers, cookies } = deps;
  const signedIn = requireStaffPage(cookies);
  const allowed = (action: StaffAction) => [signedIn, requirePermission(action)];
  const by = (req: FastifyRequest, reason?: string): StaffChange => ({ actor: `staff:${signedInStaff(req, cookies).email}`, ip: req.ip, ...(reason === undefined ? {} : { reason }) });
  const mayFor = (req: FastifyRequest) => {
    const role = signedInStaff(req, cookies).role;
    return (action: StaffAction) => can(role, action);
  };

  /** The 12 digits of the URL's account ID; a dashed or spaced form is fine (the caller redirects a GET to the plain one). */
  function accountIdOf(raw: string): string {
    const id = normaliseAccountId(raw);
    if (!id.ok) throw new AppError('not_found', 'There is no such customer: an AWS account ID has 12 digits.', 404);
    return id.accountId;
  }

  async function details(awsAccountId: string): Promise<CustomerDetails> {
    const [account, licences, subscriptions, activations, audit] = await Promise.all([
      customers.find(awsAccountId),
      deps.licences.listForAccount(awsAccountId),
      deps.marketplace.subscriptionsForAccount(awsAccountId),
      deps.activations.openForAccount(awsAccountId),
      deps.auditSearch.page({ awsAccountId }, undefined, AUDIT_ROWS),
    ]);
    if (account === undefined && licences.length === 0 && subscriptions.length === 0) throw new AppError('not_found', 'No customer has this AWS account ID: no portal account, licence or Marketplace subscription.', 404);
    const sessions = account === undefined ? [] : (await deps.sessions.listForAccount(account.id)).map((s) => ({ id: s.id, device: describeDevice(s.user_agent), ip: s.ip, createdAt: s.created_at, lastSeenAt: s.last_seen_at }));
    return { awsAccountId, account, sessions, licences, subscriptions, activations, audit: audit.rows };
  }

  async function customerPage(req: FastifyRequest, reply: FastifyReply, awsAccountId: string, problem?: CustomerProblem, status = 200) {
    return reply.page(<CustomerPage ctx={adminView(req, reply)} c={await details(awsAccountId)} may={mayFor(req)} now={deps.clock.now()} problem={problem} />, status);
  }

  /** Runs a change; a refusal (4xx but 404) re-renders the customer page with its message, success redirects with a notice. */
  async function act(req: FastifyRequest, reply: FastifyReply, awsAccountId: string, form: CustomerProblem['form'], notice: string, change: () => Promise<unknown>) {
    try {
      await change();
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500 || error.status === 404) throw error;
      return customerPage(req, reply, awsAccountId, { form, message: error.message, fields: error.fields }, error.status);
    }
    return reply.redirect(`/admin/customers/${awsAccountId}?notice=${notice}`, 303);
  }

  async function portalAccount(awsAccountId: string) {
    const account = await customers.find(awsAccountId);
    if (account === undefined) throw new AppError('not_found', 'This AWS account has no portal account.', 404);
    return account;
  }

  /** A change that needs a reason: a confirmation page (GET) naming the account, then the change (POST). */
  function confirmed(app: Parameters<FastifyPluginAsyncTypebox>[0], action: ConfirmAction, permission: StaffAction, notice: string, change: (accountId: string, awsAccountId: string, by: StaffChange & { reason: string }) => Promise<unknown>) {
    app.get(`/customers/:awsAccountId/${action}`, { preHandler: allowed(permission), schema: { params: AccountParams } }, async (req, reply) => {
      const awsAccountId = accountIdOf(req.params.awsAccountId);
      const account = await portalAccount(awsAccountId);
      return reply.page(<CustomerConfirmPage ctx={adminView(req, reply)} action={action} awsAccountId={awsAccountId} email={account.email} />);
    });
    app.post(`/customers/:awsAccountId/${action}`, { preHandler: allowed(permission), schema: { params: AccountParams, body: WithReason } }, async (req, reply) => {
      const awsAccountId = accountIdOf(req.params.awsAccountId);
      const account = await portalAccount(awsAccountId);
      const again = (status: number, error: string, reasonError?: string) =>
        reply.page(<CustomerConfirmPage ctx={adminView(req, reply)} action={action} awsAccountId={awsAccountId} email={account.email} reason={req.body.reason} error={error} reasonError={reasonError} />, status);
      const reason = checkReason(req.body.reason);
      if (!reason.ok) return again(400, reason.message, reason.message);
      try {
        await change(account.id, awsAccountId, { ...by(req), reason: reason.reason });
      } catch (error) {
        if (!(error instanceof AppError) || error.status >= 500 || error.status === 404) throw error;
        return again(error.status, error.message);
      }
      return reply.redirect(`/admin/customers/${awsAccountId}?notice=${notice}`, 303);
    });
  }

  return async (app) => {
    app.get('/customers', { preHandler: allowed('customers.view'), schema: { querystring: Type.Object({ q: Type.Optional(Type.String({ maxLength: 1000 })), after: Type.Optional(Type.String({ maxLength: 40 })), notice: Type.Optional(Type.String({ maxLength: 64 })) }) } }, async (req, reply) => {
      const q = (req.query.q ?? '').trim();
      const ctx = adminView(req, reply);
      if (q === '') return reply.page(<CustomerSearchPage ctx={ctx} q="" />);
      try {
        const found = await customers.search(q, req.query.after, PAGE_SIZE);
        const nextHref = found.next === undefined ? undefined : `/admin/customers?q=${encodeURIComponent(q)}&after=${found.next}`;
        return await reply.page(<CustomerSearchPage ctx={ctx} q={q} results={{ q, rows: found.rows, total: found.total, nextHref, paged: req.query.after !== undefined }} />);
      } catch (error) {
        if (!(error instanceof AppError) || error.status !== 400) throw error;
        return reply.page(<CustomerSearchPage ctx={ctx} q={q} error={error.message} />, 400);
      }
    });

    app.get('/customers/:awsAccountId', { preHandler: allowed('customers.view'), schema: { params: AccountParams } }, async (req, reply) => {
      const awsAccountId = accountIdOf(req.params.awsAccountId);
      if (awsAccountId !== req.params.awsAccountId) return reply.redirect(`/admin/customers/${awsAccountId}`, 301);
      return customerPage(req, reply, awsAccountId);
    });

    app.post('/customers/:awsAccountId/create-account', { preHandler: allowed('customers.create_account'), schema: { params: AccountParams, body: Type.Object({ email: Type.String({ maxLength: 254 }), ...Csrf }) } }, async (req, reply) => {
      const awsAccountId = accountIdOf(req.params.awsAccountId);
      // The one-time password goes to the customer's mailbox only (as with the CLI): it is neither shown nor logged.
      return act(req, reply, awsAccountId, 'create-account', 'customer-account-created', () => deps.provisioning.createWithOneTimePassword({ awsAccountId, email: req.body.email }, by(req)));
    });

    app.post('/customers/:awsAccountId/send-reset', { preHandler: allowed('customers.send_reset'), schema: { params: AccountParams, body: Type.Object(Csrf) } }, async (req, reply) => {
      const awsAccountId = accountIdOf(req.params.awsAccountId);
      return act(req, reply, awsAccountId, 'send-reset', 'customer-reset-sent', () => deps.passwordReset.sendResetByStaff(awsAccountId, by(req)));
    });

    app.post('/customers/:awsAccountId/end-sessions', { preHandler: allowed('customers.end_sessions'), schema: { params: AccountParams, body: Type.Object(Csrf) } }, async (req, reply) => {
      const awsAccountId = accountIdOf(req.params.awsAccountId);
      return act(req, reply, awsAccountId, 'end-sessions', 'customer-sessions-ended', () => customers.endAllSessions(awsAccountId, by(req)));
    });

    app.post('/customers/:awsAccountId/enable', { preHandler: allowed('customers.disable'), schema: { params: AccountParams, body: Type.Object(Csrf) } }, async (req, reply) => {
      const awsAccountId = accountIdOf(req.params.awsAccountId);
      return act(req, reply, awsAccountId, 'enable', 'customer-enabled', () => customers.enable(awsAccountId, by(req)));
    });

    confirmed(app, 'reset-mfa', 'customers.reset_mfa', 'customer-mfa-reset', (accountId, _aws, change) => deps.mfa.resetByStaff(accountId, change));
    confirmed(app, 'disable', 'customers.disable', 'customer-disabled', (_id, awsAccountId, change) => customers.disable(awsAccountId, change));
  };
}
