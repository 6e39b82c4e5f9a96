/**
 * The buyer's side of AWS Marketplace: choose an account, plan and quantity, subscribe, then "Set up your
 * account", which posts the registration token to the seller's fulfillment URL as a plain HTML form (works
 * without JavaScript, like AWS's page).
 */
import type { FieldErrors, RegistrationToken, Subscription } from './marketplace.state.js';
import { Checkbox, Field, Layout, Select } from './emulator.layout.js';
import { formatAccountId } from '../core/account-id.js';

export interface SubscribeFormValues {
  awsAccountId?: string;
  dimension?: string;
  quantity?: string;
  durationMonths?: string;
  legacyListing?: boolean;
  freeTrial?: boolean;
}

const DURATIONS = [
  { value: '1', label: '1 month' },
  { value: '12', label: '12 months' },
  { value: '24', label: '24 months' },
  { value: '36', label: '36 months' },
  { value: '0', label: 'No end date (pay as you go)' },
];

export function SubscriptionFields(props: { plans: readonly string[]; values: SubscribeFormValues; errors: FieldErrors }) {
  const { values, errors } = props;
  return (
    <>
      <Field
        name="awsAccountId"
        label="AWS account ID"
        hint="The buyer's 12-digit AWS account, for example 1234-5678-9012 (dashes and spaces are fine)."
        value={values.awsAccountId ?? ''}
        error={errors.awsAccountId}
        inputMode="numeric"
        required
      />
      <Select name="dimension" label="Plan (dimension)" options={props.plans} value={values.dimension ?? props.plans[0] ?? ''} error={errors.dimension} />
      <Field name="quantity" label="Quantity" hint="Units of the plan (for example seats), 1 to 1000000." type="number" min={1} max={1_000_000} value={values.quantity ?? '1'} error={errors.quantity} required />
      <Select name="durationMonths" label="Contract duration" options={DURATIONS} value={values.durationMonths ?? '12'} error={errors.durationMonths} hint="Sets the entitlement's ExpirationDate." />
      <Checkbox name="freeTrial" label="Free trial offer" checked={values.freeTrial ?? false} hint='Notifications carry isFreeTrialTermPresent "true".' />
      <Checkbox
        name="legacyListing"
        label="Legacy listing (ResolveCustomer also returns a CustomerIdentifier)"
        checked={values.legacyListing ?? false}
        hint="New integrations get only CustomerAWSAccountId and LicenseArn."
      />
    </>
  );
}

export function BuyerPage(props: { productCode: string; plans: readonly string[]; values: SubscribeFormValues; errors: FieldErrors }) {
  const failed = Object.keys(props.errors).length > 0;
  return (
    <Layout title="Subscribe to WebStream">
      <h1>Subscribe to WebStream</h1>
      <section>
        <p>
          You are the buyer. Product code <code>{props.productCode}</code>. Subscribing creates the agreement and a registration token; the next page sends you to the
          seller's fulfillment URL, as AWS Marketplace does.
        </p>
        {failed ? (
          <p class="alert" role="alert">
            The subscription was not created: correct the fields marked below.
          </p>
        ) : null}
        <form method="post" action="/buyer/subscribe" noValidate>
          <SubscriptionFields plans={props.plans} values={props.values} errors={props.errors} />
          <button type="submit" class="primary">
            Subscribe
          </button>
        </form>
      </section>
    </Layout>
  );
}

/** "Set up your account": the form that carries the token to the seller, plus what was created. */
export function SetUpAccountPage(props: { subscription: Subscription; token: RegistrationToken; landingUrl: string }) {
  const { subscription, token } = props;
  return (
    <Layout title="Set up your account">
      <h1>Thank you for subscribing to WebStream</h1>
      <section>
        <p>Your subscription is active. Set up your account with the seller to start using the product.</p>
        <form method="post" action={props.landingUrl} id="marketplace-landing">
          <input type="hidden" name="x-amzn-marketplace-token" value={token.token} />
          {/* Reported for free-trial offers by a third-party write-up (aws-protocols.md §1): the portal must ignore it safely. */}
          {subscription.freeTrial ? <input type="hidden" name="x-amzn-marketplace-offer-type" value="free-trial" /> : null}
          <button type="submit" class="primary">
            Set up your account
          </button>
        </form>
        <p class="hint">
          Posts the registration token to <code>{props.landingUrl}</code> (the token is valid until {token.expiresAt.toISOString()}).
        </p>
      </section>
      <section>
        <h2>What was created</h2>
        <table>
          <tbody>
            <tr>
              <th scope="row">AWS account</th>
              <td>{formatAccountId(subscription.awsAccountId)}</td>
            </tr>
            <tr>
              <th scope="row">Plan</th>
              <td>
                {subscription.dimension} × {subscription.quantity}
              </td>
            </tr>
            <tr>
              <th scope="row">Ends</th>
              <td>{subscription.expiresAt?.toISOString() ?? 'no end date'}</td>
            </tr>
            <tr>
              <th scope="row">Licence ARN</th>
              <td class="mono">{subscription.licenseArn}</td>
            </tr>
            <tr>
              <th scope="row">Customer identifier</th>
              <td class="mono">{subscription.legacyListing ? subscription.customerIdentifier : `${subscription.customerIdentifier} (not returned by ResolveCustomer: new integration)`}</td>
            </tr>
          </tbody>
        </table>
        <p>
          <a href="/_emulator">Open the emulator controls</a> to change the quantity, send notifications or end the subscription.
        </p>
      </section>
    </Layout>
  );
}
