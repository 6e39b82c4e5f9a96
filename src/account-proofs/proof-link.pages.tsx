import { formatAccountId } from '../core/account-id.js';
import { KnownAccountRegister, KnownAccountSignIn, SignedInAsAnother, type KnownAccountFormView } from '../sign-in/known-account.forms.js';
import { PortalLayout } from '../web/portal-layout.js';
import type { ViewContext } from '../web/view-context.js';

export const PROOF_LINK_PATH = '/portal/link';
export const PROOF_LINK_REGISTER_PATH = '/portal/link/register';
export const PROOF_LINK_SIGN_IN_PATH = '/portal/link/sign-in';
export const PROOF_LINK_SIGN_OUT_PATH = '/portal/link/sign-out';

/** The account ID on the link's forms is the proven one, shown read-only. */
const PROVEN_ACCOUNT_HINT = "Proven by your WebStream instance's identity document, so it cannot be changed here.";

export interface ProvenAccount {
  awsAccountId: string;
  instanceId: string;
  region: string;
}

function ProofFacts({ proven }: { proven: ProvenAccount }) {
  return (
    <dl class="facts">
      <div>
        <dt>AWS account</dt>
        <dd class="mono">{formatAccountId(proven.awsAccountId)}</dd>
      </div>
      <div>
        <dt>Proven by</dt>
        <dd>
          WebStream instance <span class="mono">{proven.instanceId}</span> ({proven.region})
        </dd>
      </div>
    </dl>
  );
}

export type ProofLinkView = ({ kind: 'register' } & KnownAccountFormView) | ({ kind: 'sign-in' } & KnownAccountFormView) | { kind: 'mismatch'; signedInAs: string };

/** Where a portal link lands: who it proves, then registration (ID fixed), sign-in (ID filled), or a sign-out when signed in as another account. */
export function ProofLinkPage({ ctx, proven, portalAccountExists, view }: { ctx: ViewContext; proven: ProvenAccount; portalAccountExists: boolean; view: ProofLinkView }) {
  const formatted = formatAccountId(proven.awsAccountId);
  const title = view.kind === 'register' ? 'Create your portal account' : view.kind === 'sign-in' ? 'Sign in' : 'Signed in as another account';
  return (
    <PortalLayout title={title} ctx={ctx} narrow>
      <div class="card">
        <h1>{title}</h1>
        <p class="lead">Your WebStream instance opened this page and proved that it runs in this AWS account.</p>
        <ProofFacts proven={proven} />
        {view.kind === 'register' ? <Register ctx={ctx} formatted={formatted} view={view} /> : null}
        {view.kind === 'sign-in' ? <SignIn ctx={ctx} formatted={formatted} view={view} portalAccountExists={portalAccountExists} /> : null}
        {view.kind === 'mismatch' ? <Mismatch ctx={ctx} formatted={formatted} signedInAs={formatAccountId(view.signedInAs)} /> : null}
      </div>
    </PortalLayout>
  );
}

function Register({ ctx, formatted, view }: { ctx: ViewContext; formatted: string; view: KnownAccountFormView }) {
  return (
    <KnownAccountRegister
      id="proof-register"
      heading="Choose your contact email and password"
      csrfToken={ctx.csrfToken}
      action={PROOF_LINK_REGISTER_PATH}
      accountId={formatted}
      accountHint={PROVEN_ACCOUNT_HINT}
      button="Create portal account"
      view={view}
      signInHref={`${PROOF_LINK_PATH}?step=sign-in`}
    />
  );
}

function SignIn({ ctx, formatted, view, portalAccountExists }: { ctx: ViewContext; formatted: string; view: KnownAccountFormView; portalAccountExists: boolean }) {
  return (
    <KnownAccountSignIn
      id="proof-sign-in"
      heading={portalAccountExists ? 'A portal account exists for this AWS account' : 'Sign in with this AWS account'}
      csrfToken={ctx.csrfToken}
      action={PROOF_LINK_SIGN_IN_PATH}
      accountId={formatted}
      accountHint={PROVEN_ACCOUNT_HINT}
      button="Sign in"
      view={view}
      registerHref={portalAccountExists ? undefined : `${PROOF_LINK_PATH}?step=register`}
    />
  );
}

function Mismatch({ ctx, formatted, signedInAs }: { ctx: ViewContext; formatted: string; signedInAs: string }) {
  return (
    <SignedInAsAnother
      problem={`You are signed in as AWS account ${signedInAs}, but this link proves AWS account ${formatted}.`}
      advice={`Sign out, then sign in or create the portal account of ${formatted}.`}
      csrfToken={ctx.csrfToken}
      signOutAction={PROOF_LINK_SIGN_OUT_PATH}
      accountId={formatted}
    >
      <p class="form-footer">
        <a href="/portal/entitlements">Stay signed in and go to My Entitlements</a>
      </p>
    </SignedInAsAnother>
  );
}
