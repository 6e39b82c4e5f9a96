/**
 * Controls under /_emulator: a JSON API for tests and scripts and an HTML page for people. The same POST routes
 * take JSON (and answer JSON) or a form from the page (and answer with a redirect back to it).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { renderDocument } from '../core/render.js';
import { SetUpAccountPage } from './buyer.pages.js';
import { ControlPage } from './control.pages.js';
import { portalEnvironment, type EmulatorContext } from './emulator.context.js';
import { FAULT_NAMES, FaultError } from './faults.js';
import { imdsPath } from './imds.routes.js';
import { InstanceInputError, type Ec2Instance } from './instances.state.js';
import { fieldText, parseEndDate, validateNewSubscription, type FieldErrors, type RegistrationToken, type Subscription } from './marketplace.state.js';
import { actionsFor, isNotificationAction, type NotificationAction } from './notifications.js';
import type { SentNotification } from './notifier.js';

type Body = Record<string, unknown>;

export function subscriptionJson(s: Subscription) {
  return { ...s, expiresAt: s.expiresAt?.toISOString() ?? null, createdAt: s.createdAt.toISOString(), updatedAt: s.updatedAt.toISOString() };
}

/** An instance as the control API lists it, with its metadata service's base URL. */
export const instanceJson = (instance: Ec2Instance, baseUrl: string) => ({ ...instance, imdsUrl: `${baseUrl}${imdsPath(instance.instanceId)}` });

const tokenJson = (t: RegistrationToken) => ({ registrationToken: t.token, tokenExpiresAt: t.expiresAt.toISOString() });

export function controlRoutes(app: FastifyInstance, context: EmulatorContext): void {
  const { marketplace } = context;
  const isForm = (request: FastifyRequest) => (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
  const body = (request: FastifyRequest): Body => (typeof request.body === 'object' && request.body !== null ? (request.body as Body) : {});
  const html = (reply: FastifyReply, page: string, status = 200) => reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page);
  const back = (reply: FastifyReply, message: { notice?: string; error?: string }) =>
    reply.redirect(`/_emulator?${new URLSearchParams(message).toString()}`, 303);

  /** Fails a request: JSON gets `{error, fields?}`, a form goes back to the page with the message. */
  function fail(request: FastifyRequest, reply: FastifyReply, status: number, error: string, fields?: FieldErrors) {
    if (isForm(request)) return back(reply, { error });
    return reply.code(status).send({ error, ...(fields === undefined ? {} : { fields }) });
  }

  function controlView(extra: { notice?: string | undefined; error?: string | undefined; newSubscription?: { values: Body; errors: FieldErrors } } = {}) {
    const urls = context.urls();
    return {
      url: urls.url,
      queueUrl: urls.queueUrl,
      productCode: context.settings.productCode,
      landingUrl: context.settings.landingUrl,
      signingCertUrl: context.signer().signingCertUrl,
      portalEnv: portalEnvironment(context),
      plans: context.settings.plans,
      subscriptions: marketplace.list(),
      operations: [...context.operations.keys()],
      faultNames: FAULT_NAMES,
      faults: context.faults.list(),
      queues: context.queues.list().map((q) => {
        const a = context.queues.attributesOf(q);
        return { name: q.name, url: context.queues.urlOf(q), visible: a.ApproximateNumberOfMessages ?? '0', inFlight: a.ApproximateNumberOfMessagesNotVisible ?? '0', delayed: a.ApproximateNumberOfMessagesDelayed ?? '0' };
      }),
      httpSubscriptions: context.notifier.httpSubscriptions(),
      deliveries: context.notifier.deliveries(),
      instances: context.instances.list().map((i) => instanceJson(i, urls.url)),
      imdsCertificateFile: context.imdsCertificateFile,
      ...extra,
    };
  }

  const subscriptionFrom = (request: FastifyRequest<{ Params: { licenseArn: string } }>) => marketplace.find(request.params.licenseArn);

  async function notifyAll(subscription: Subscription, actions: NotificationAction[]): Promise<SentNotification[]> {
    const sent: SentNotification[] = [];
    for (const action of actions) sent.push(await context.notifier.send(subscription, action));
    return sent;
  }

  app.get('/_emulator', async (request, reply) => {
    const query = request.query as { notice?: string; error?: string };
    return html(reply, renderDocument(<ControlPage {...controlView({ notice: query.notice, error: query.error })} />));
  });

  app.get('/_emulator/state', async () => {
    const view = controlView();
    return {
      url: view.url,
      httpsUrl: context.urls().httpsUrl ?? null,
      queueUrl: view.queueUrl,
      productCode: view.productCode,
      sellerAccountId: marketplace.sellerAccountId,
      landingUrl: view.landingUrl,
      signingCertUrl: view.signingCertUrl,
      subscriptions: marketplace.list().map(subscriptionJson),
      entitlementsNote: 'GetEntitlements returns the active and unsubscribe-pending subscriptions',
      faults: view.faults,
      queues: view.queues,
      httpSubscriptions: view.httpSubscriptions,
      deliveries: view.deliveries,
      instances: view.instances,
      usage: context.usage.map((u) => ({ ...u, timestamp: u.timestamp.toISOString(), recordedAt: u.recordedAt.toISOString() })),
    };
  });

  app.post('/_emulator/subscriptions', async (request, reply) => {
    const input = body(request);
    const validated = validateNewSubscription(input, context.clock.now());
    if (!validated.ok) {
      if (isForm(request)) return html(reply, renderDocument(<ControlPage {...controlView({ error: 'The subscription was not created.', newSubscription: { values: input, errors: validated.errors } })} />), 400);
      return reply.code(400).send({ error: 'The subscription was not created.', fields: validated.errors });
    }
    const { subscription, token } = marketplace.create(validated.value);
    const notify = input.notify === undefined || input.notify === true || input.notify === 'true';
    const notifications = notify ? await notifyAll(subscription, actionsFor('subscribed', context.settings.notifications)) : [];
    if (isForm(request)) return html(reply, renderDocument(<SetUpAccountPage subscription={subscription} token={token} landingUrl={context.settings.landingUrl} />));
    return reply.code(201).send({ subscription: subscriptionJson(subscription), ...tokenJson(token), landingUrl: context.settings.landingUrl, notifications });
  });

  app.post<{ Params: { licenseArn: string } }>('/_emulator/subscriptions/:licenseArn/tokens', async (request, reply) => {
    const subscription = subscriptionFrom(request);
    if (subscription === undefined) return fail(request, reply, 404, `No subscription ${request.params.licenseArn}.`);
    const token = marketplace.issueToken(subscription);
    if (isForm(request)) return html(reply, renderDocument(<SetUpAccountPage subscription={subscription} token={token} landingUrl={context.settings.landingUrl} />));
    return reply.code(201).send({ subscription: subscriptionJson(subscription), ...tokenJson(token), landingUrl: context.settings.landingUrl });
  });

  /** Changes quantity, end date or plan, then (unless notify is false) sends entitlement-updated / License Updated. */
  const update = async (request: FastifyRequest<{ Params: { licenseArn: string } }>, reply: FastifyReply) => {
    const subscription = subscriptionFrom(request);
    if (subscription === undefined) return fail(request, reply, 404, `No subscription ${request.params.licenseArn}.`);
    const input = body(request);
    const errors: FieldErrors = {};
    const change: { quantity?: number; expiresAt?: Date | null; dimension?: string } = {};
    if (input.quantity !== undefined && input.quantity !== '') {
      const quantity = Number(input.quantity);
      if (!Number.isInteger(quantity) || quantity < 0 || quantity > 1_000_000) errors.quantity = 'quantity must be a whole number from 0 to 1000000.';
      else change.quantity = quantity;
    }
    if (input.expiresAt !== undefined) {
      const unchangedDay = subscription.expiresAt?.toISOString().slice(0, 10);
      if (input.expiresAt === null || input.expiresAt === '') change.expiresAt = null;
      // The page's date field carries the day only: the same day keeps the exact end time.
      else if (input.expiresAt !== unchangedDay) {
        const date = parseEndDate(fieldText(input.expiresAt));
        if (date === undefined) errors.expiresAt = 'expiresAt must be a date (YYYY-MM-DD), an ISO 8601 time or null.';
        else change.expiresAt = date;
      }
    }
    if (typeof input.dimension === 'string' && input.dimension !== '') change.dimension = input.dimension;
    if (Object.keys(errors).length > 0) return fail(request, reply, 400, Object.values(errors).join(' '), errors);
    marketplace.update(subscription, change);
    const notify = input.notify !== false && input.notify !== 'false';
    const notifications = notify ? await notifyAll(subscription, actionsFor('updated', context.settings.notifications)) : [];
    if (isForm(request)) return back(reply, { notice: `Updated ${subscription.licenseArn}${notifications.length > 0 ? ` and sent ${notifications.map((n) => n.action).join(', ')}` : ''}.` });
    return { subscription: subscriptionJson(subscription), notifications };
  };
  app.patch('/_emulator/subscriptions/:licenseArn', update);
  app.post('/_emulator/subscriptions/:licenseArn', update);

  app.post<{ Params: { licenseArn: string } }>('/_emulator/subscriptions/:licenseArn/notify', async (request, reply) => {
    const subscription = subscriptionFrom(request);
    if (subscription === undefined) return fail(request, reply, 404, `No subscription ${request.params.licenseArn}.`);
    const action = fieldText(body(request).action);
    if (!isNotificationAction(action)) return fail(request, reply, 400, `Unknown action '${action}'.`, { action: 'One of the SNS actions or EventBridge detail types.' });
    const notification = await context.notifier.send(subscription, action);
    if (isForm(request)) return back(reply, { notice: `Sent ${action} for ${subscription.licenseArn} (status now ${subscription.status}).` });
    return { subscription: subscriptionJson(subscription), notification };
  });

  app.post('/_emulator/fail-next', async (request, reply) => {
    const input = body(request);
    try {
      const count = input.count === undefined || input.count === '' ? 1 : Number(input.count);
      const armed = context.faults.failNext({
        operation: fieldText(input.operation),
        error: fieldText(input.error),
        count,
        ...(typeof input.message === 'string' ? { message: input.message } : {}),
      });
      if (isForm(request)) return await back(reply, { notice: `The next ${armed.remaining} call(s) of ${armed.operation} fail with ${armed.error}.` });
      return { armed, pending: context.faults.list() };
    } catch (error) {
      if (error instanceof FaultError) return fail(request, reply, 400, error.message);
      throw error;
    }
  });

  app.delete('/_emulator/fail-next', async () => {
    context.faults.clear();
    return { pending: [] };
  });

  app.post('/_emulator/sns/subscriptions', async (request, reply) => {
    const endpoint = fieldText(body(request).endpoint);
    if (!/^https?:\/\/./.test(endpoint)) return fail(request, reply, 400, 'endpoint must be an http(s) URL.');
    const subscriptions = await context.notifier.subscribeEndpointToProduct(endpoint, context.settings.productCode);
    if (isForm(request)) return back(reply, { notice: `Sent SubscriptionConfirmation messages to ${endpoint}.` });
    return { subscriptions };
  });

  app.get('/_emulator/instances', async () => ({ instances: context.instances.list().map((i) => instanceJson(i, context.urls().url)) }));

  /** Creates an EC2 instance: JSON `{ awsAccountId, region, instanceType? }` → 201 with its IMDS base URL; or the page's form. */
  app.post('/_emulator/instances', async (request, reply) => {
    const input = body(request);
    const optional = (value: unknown) => (value === undefined || value === '' ? undefined : fieldText(value));
    try {
      const instanceType = optional(input.instanceType);
      const instance = context.instances.create({
        // The page's form, like the subscription form, takes the account ID with dashes or spaces.
        awsAccountId: isForm(request) ? fieldText(input.awsAccountId).replace(/[\s-]/g, '') : fieldText(input.awsAccountId),
        region: fieldText(input.region),
        ...(instanceType === undefined ? {} : { instanceType }),
      });
      const created = instanceJson(instance, context.urls().url);
      if (isForm(request)) return await back(reply, { notice: `Created ${instance.instanceId}: its metadata service is ${created.imdsUrl}.` });
      return await reply.code(201).send({ instanceId: instance.instanceId, region: instance.region, awsAccountId: instance.awsAccountId, imdsUrl: created.imdsUrl, instance: created });
    } catch (error) {
      if (error instanceof InstanceInputError) return fail(request, reply, 400, `The instance was not created. ${error.message}`, error.fields);
      throw error;
    }
  });

  app.post('/_emulator/reset', async (request, reply) => {
    marketplace.reset();
    context.queues.reset();
    context.faults.clear();
    context.notifier.reset();
    context.usage.length = 0;
    if (isForm(request)) return back(reply, { notice: 'Reset: no subscriptions, tokens, messages or faults.' });
    return { reset: true };
  });
}
