/** The buyer's pages: subscribe, then carry the registration token to the portal's fulfillment URL. */
import type { FastifyInstance } from 'fastify';
import { renderDocument } from '../core/render.js';
import { BuyerPage, SetUpAccountPage, type SubscribeFormValues } from './buyer.pages.js';
import type { EmulatorContext } from './emulator.context.js';
import { fieldText, validateNewSubscription } from './marketplace.state.js';
import { actionsFor } from './notifications.js';

export function buyerRoutes(app: FastifyInstance, context: EmulatorContext): void {
  const { settings } = context;
  const page = (values: SubscribeFormValues, errors: Record<string, string>) =>
    renderDocument(<BuyerPage productCode={settings.productCode} plans={settings.plans} values={values} errors={errors} />);

  for (const path of ['/', '/buyer']) {
    app.get(path, async (_request, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page({}, {})));
  }

  app.post('/buyer/subscribe', async (request, reply) => {
    const form = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>;
    // The buyer page offers only the configured plans (a subscription to another dimension is made through the controls).
    const dimension = fieldText(form.dimension);
    const validated = validateNewSubscription(form, context.clock.now());
    if (!validated.ok || !settings.plans.includes(dimension)) {
      const errors = validated.ok ? {} : validated.errors;
      if (!settings.plans.includes(dimension)) errors.dimension = `Choose one of the plans: ${settings.plans.join(', ')}.`;
      const values: SubscribeFormValues = { legacyListing: form.legacyListing === 'true', freeTrial: form.freeTrial === 'true' };
      for (const name of ['awsAccountId', 'dimension', 'quantity', 'durationMonths'] as const) {
        if (typeof form[name] === 'string') values[name] = fieldText(form[name]);
      }
      return reply.code(400).type('text/html; charset=utf-8').send(page(values, errors));
    }
    const { subscription, token } = context.marketplace.create(validated.value);
    context.log(`buyer subscribed: account ${subscription.awsAccountId}, ${subscription.dimension} × ${subscription.quantity}, ${subscription.licenseArn}`);
    // AWS sends subscribe-success when the agreement is made, often before the buyer reaches the seller.
    for (const action of actionsFor('subscribed', settings.notifications)) await context.notifier.send(subscription, action);
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(renderDocument(<SetUpAccountPage subscription={subscription} token={token} landingUrl={settings.landingUrl} />));
  });
}
