import type { ComponentChildren } from 'preact';
import { formatAccountId } from '../core/account-id.js';
import { KnownAccountRegister, KnownAccountSignIn, SignedInAsAnother, type KnownAccountFormView } from '../sign-in/known-account.forms.js';
import { PostForm } from '../web/forms.js';
import { PortalLayout } from '../web/portal-layout.js';
import type { ViewContext } from '../web/view-context.js';

/** Where buyers manage their subscriptions in the AWS console (and find Set up your account again). */
export const AWS_MARKETPLACE_SUBSCRIPTIONS_URL = 'https://console.aws.amazon.com/marketplace/home#/subscriptions';

export const LINK_PATH = '/portal/marketplace/link';
export const PROVISION_PATH = '/portal/marketplace/provision';

/** The account ID on the link forms is the subscription's, shown read-only. */
const SUBSCRIPTION_ACCOUNT_HINT = "The subscription's AWS account. It cannot be changed here.";

/** The subscription in a few facts, on every page of the journey. */
function SubscriptionFacts({ awsAccountId }: { awsAccountId: string }) {
  return (
    <dl class="facts">
      <div>
        <dt>AWS account</dt>
        <dd class="mono">{formatAccountId(awsAccountId)}</dd>
      </div>
      <div>
        <dt>Product</dt>
        <dd>WebStream, through AWS Marketplace</dd>
      </div>
    </dl>
  );
}

/** The answer to AWS's form post: 200, and the browser continues to the link page (Refresh header; the link for the rest). */
export function LandingContinuePage({ ctx, awsAccountId }: { ctx: ViewContext; awsAccountId: string }) {
  return (
    <PortalLayout title="Subscription confirmed" ctx={ctx} narrow>
      <div class="card">
        <h1>Thank you for subscribing to WebStream</h1>
        <p class="lead">AWS Marketplace has confirmed your subscription. Next, link it to your WebStream portal account.</p>
        <SubscriptionFacts awsAccountId={awsAccountId} />
        <p>
          <a class="button block" href={LINK_PATH}>
            Continue to set up your account
          </a>
        </p>
        <p class="hint">This page continues by itself in a moment. The set-up link is valid for 15 minutes.</p>
      </div>
    </PortalLayout>
  );
}

/** A step of the journey that cannot go on: what happened and what to do next. */
export function MarketplaceProblemPage(props: { ctx: ViewContext; title: string; message: string; children?: ComponentChildren; showMarketplaceLink?: boolean }) {
  return (
    <PortalLayout title={props.title} ctx={props.ctx} narrow>
      <div class="card">
        <h1>{props.title}</h1>
        <div class="error-summary" role="alert">
          {props.message}
        </div>
        {props.children}
        {props.showMarketplaceLink === false ? null : (
          <p>
            <a class="button secondary" href={AWS_MARKETPLACE_SUBSCRIPTIONS_URL} rel="noreferrer">
              Open your AWS Marketplace subscriptions
            </a>
          </p>
        )}
        <p class="form-footer">
          {props.ctx.account ? <a href="/portal/entitlements">Go to My Entitlements</a> : <a href="/portal/sign-in">Sign in to the portal</a>}
        </p>
      </div>
    </PortalLayout>
  );
}

/** The GET of the landing address: it is meant for AWS Marketplace's form post. */
export function LandingInfoPage({ ctx }: { ctx: ViewContext }) {
  return (
    <MarketplaceProblemPage
      ctx={ctx}
      title="Set up your WebStream subscription"
      message="This address receives new subscribers from AWS Marketplace. To set up your account, open your WebStream subscription in AWS Marketplace and choose “Set up your account”."
    />
  );
}

interface LinkFormView extends KnownAccountFormView {
  values?: { accountId?: string; email?: string };
}

export type LinkView =
  | ({ kind: 'sign-in' } & LinkFormView)
  | ({ kind: 'register' } & LinkFormView)
  | { kind: 'confirm' }
  | { kind: 'mismatch'; signedInAs: string };

/** The link page: who the subscription belongs to, then sign in, create an account, or link at once. */
export function LinkPage({ ctx, awsAccountId, portalAccountExists, view }: { ctx: ViewContext; awsAccountId: string; portalAccountExists: boolean; view: LinkView }) {
  const formatted = formatAccountId(awsAccountId);
  return (
    <PortalLayout title="Link your AWS Marketplace subscription" ctx={ctx} narrow>
      <div class="card">
        <h1>Link your subscription</h1>
        <p class="lead">Your WebStream licence from AWS Marketplace goes to the portal account of the AWS account that subscribed.</p>
        <SubscriptionFacts awsAccountId={awsAccountId} />
        {view.kind === 'confirm' ? <ConfirmLink ctx={ctx} formatted={formatted} /> : null}
        {view.kind === 'mismatch' ? <Mismatch ctx={ctx} formatted={formatted} signedInAs={formatAccountId(view.signedInAs)} /> : null}
        {view.kind === 'sign-in' ? <LinkSignIn ctx={ctx} awsAccountId={awsAccountId} view={view} portalAccountExists={portalAccountExists} /> : null}
        {view.kind === 'register' ? <LinkRegister ctx={ctx} awsAccountId={awsAccountId} view={view} /> : null}
      </div>
    </PortalLayout>
  );
}

function ConfirmLink({ ctx, formatted }: { ctx: ViewContext; formatted: string }) {
  return (
    <>
      <p>
        You are signed in as AWS account <strong>{formatted}</strong>, the account that subscribed.
      </p>
      <PostForm action={LINK_PATH} csrfToken={ctx.csrfToken}>
        <button type="submit" class="block">
          Link and set up my licence
        </button>
      </PostForm>
    </>
  );
}

function Mismatch({ ctx, formatted, signedInAs }: { ctx: ViewContext; formatted: string; signedInAs: string }) {
  return (
    <SignedInAsAnother
      problem={`You are signed in as AWS account ${signedInAs}, but this subscription belongs to AWS account ${formatted}. A subscription can only be linked to the portal account of the same AWS account ID.`}
      advice={`Sign out, then sign in or create a portal account with ${formatted}.`}
      csrfToken={ctx.csrfToken}
      signOutAction="/portal/marketplace/sign-out"
      accountId={formatted}
    />
  );
}

function LinkSignIn({ ctx, awsAccountId, view, portalAccountExists }: { ctx: ViewContext; awsAccountId: string; view: Extract<LinkView, { kind: 'sign-in' }>; portalAccountExists: boolean }) {
  return (
    <KnownAccountSignIn
      id="link-sign-in"
      heading="Sign in to link"
      intro={portalAccountExists ? 'A portal account exists for this AWS account. Sign in with it to link the subscription.' : 'Sign in with the portal account of this AWS account.'}
      csrfToken={ctx.csrfToken}
      action="/portal/marketplace/sign-in"
      accountId={view.values?.accountId ?? formatAccountId(awsAccountId)}
      accountHint={SUBSCRIPTION_ACCOUNT_HINT}
      button="Sign in and link"
      view={view}
      registerHref={portalAccountExists ? undefined : `${LINK_PATH}?step=register`}
    />
  );
}

function LinkRegister({ ctx, awsAccountId, view }: { ctx: ViewContext; awsAccountId: string; view: Extract<LinkView, { kind: 'register' }> }) {
  return (
    <KnownAccountRegister
      id="link-register"
      heading="Create your portal account"
      csrfToken={ctx.csrfToken}
      action="/portal/marketplace/register"
      accountId={formatAccountId(awsAccountId)}
      accountHint={SUBSCRIPTION_ACCOUNT_HINT}
      button="Create portal account and link"
      view={view}
      signInHref={`${LINK_PATH}?step=sign-in`}
    />
  );
}

/**
 * "Setting things up": the form posts by itself with JavaScript (an external script, as the CSP
 * allows no inline one); without it the button does the same. A failed attempt shows the error and the same button.
 */
export function ProvisionPage(props: { ctx: ViewContext; subscriptionId: string; awsAccountId: string; error?: { title: string; message: string; retryable: boolean } }) {
  const { ctx, subscriptionId, awsAccountId, error } = props;
  const title = error === undefined ? 'Setting up your licence' : error.title;
  return (
    <PortalLayout title={title} ctx={ctx} narrow>
      <div class="card">
        <h1>{title}</h1>
        {error === undefined ? (
          <p class="lead" role="status">
            <span class="spinner" aria-hidden="true" /> We are reading your entitlements from AWS Marketplace and setting up your WebStream licence. This takes a few seconds.
          </p>
        ) : (
          <div class="error-summary" role="alert">
            {error.message}
          </div>
        )}
        <SubscriptionFacts awsAccountId={awsAccountId} />
        {error === undefined || error.retryable ? (
          <form method="post" action={PROVISION_PATH} data-auto-submit={error === undefined ? '' : undefined}>
            <input type="hidden" name="_csrf" value={ctx.csrfToken} />
            <input type="hidden" name="subscription" value={subscriptionId} />
            <button type="submit" class="block">
              {error === undefined ? 'Set up my licence' : 'Try again'}
            </button>
          </form>
        ) : null}
        <p class="form-footer">
          <a href="/portal/entitlements">Go to My Entitlements</a>
        </p>
      </div>
      {error === undefined ? <script src="/assets/auto-submit.js" defer /> : null}
    </PortalLayout>
  );
}
