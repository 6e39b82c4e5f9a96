import { formatAccountId } from '../core/account-id.js';
import { AccountIdField, ContactEmailField, NewPasswordFields } from '../accounts/account.pages.js';
import { CurrentPasswordField, ForgotPasswordLink } from '../sign-in/sign-in.page.js';
import { ErrorSummary, PostForm } from '../web/forms.js';
import { PortalLayout } from '../web/portal-layout.js';
import type { ViewContext } from '../web/view-context.js';

export const PROOF_LINK_PATH = '/portal/link';
export const PROOF_LINK_REGISTER_PATH = '/portal/link/register';
export const PROOF_LINK_SIGN_IN_PATH = '/portal/link/sign-in';
export const PROOF_LINK_SIGN_OUT_PATH = '/portal/link/sign-out';

type FieldErrors = Record<string, string[]>;

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

interface FormView {
  values?: { email?: string };
  error?: string | undefined;
  fieldErrors?: FieldErrors;
}

export type ProofLinkView = ({ kind: 'register' } & FormView) | ({ kind: 'sign-in' } & FormView) | { kind: 'mismatch'; signedInAs: string };

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

function Register({ ctx, formatted, view }: { ctx: ViewContext; formatted: string; view: FormView }) {
  const fieldErrors = view.fieldErrors ?? {};
  return (
    <section aria-labelledby="proof-register">
      <h2 id="proof-register">Choose your contact email and password</h2>
      <p>You will sign in with this AWS account ID and the password you choose here.</p>
      <ErrorSummary message={view.error} />
      <PostForm action={PROOF_LINK_REGISTER_PATH} csrfToken={ctx.csrfToken}>
        <AccountIdField value={formatted} hint={PROVEN_ACCOUNT_HINT} readonly errors={fieldErrors.accountId} />
        <ContactEmailField value={view.values?.email} errors={fieldErrors.email} />
        <NewPasswordFields errors={fieldErrors} />
        <button type="submit" class="block">
          Create portal account
        </button>
      </PostForm>
      <div class="form-footer">
        <p>
          Already have a portal account for this AWS account? <a href={`${PROOF_LINK_PATH}?step=sign-in`}>Sign in instead</a>
        </p>
      </div>
    </section>
  );
}

function SignIn({ ctx, formatted, view, portalAccountExists }: { ctx: ViewContext; formatted: string; view: FormView; portalAccountExists: boolean }) {
  const fieldErrors = view.fieldErrors ?? {};
  return (
    <section aria-labelledby="proof-sign-in">
      <h2 id="proof-sign-in">{portalAccountExists ? 'A portal account exists for this AWS account' : 'Sign in with this AWS account'}</h2>
      <ErrorSummary message={view.error} />
      <PostForm action={PROOF_LINK_SIGN_IN_PATH} csrfToken={ctx.csrfToken}>
        <AccountIdField value={formatted} hint={PROVEN_ACCOUNT_HINT} readonly errors={fieldErrors.accountId} />
        <CurrentPasswordField errors={fieldErrors.password} autofocus />
        <button type="submit" class="block">
          Sign in
        </button>
      </PostForm>
      <div class="form-footer">
        <ForgotPasswordLink />
        {portalAccountExists ? null : (
          <p>
            No portal account yet? <a href={`${PROOF_LINK_PATH}?step=register`}>Create a portal account</a>
          </p>
        )}
      </div>
    </section>
  );
}

function Mismatch({ ctx, formatted, signedInAs }: { ctx: ViewContext; formatted: string; signedInAs: string }) {
  return (
    <>
      <div class="error-summary" role="alert">
        You are signed in as AWS account {signedInAs}, but this link proves AWS account {formatted}.
      </div>
      <p>Sign out, then sign in or create the portal account of {formatted}.</p>
      <PostForm action={PROOF_LINK_SIGN_OUT_PATH} csrfToken={ctx.csrfToken}>
        <button type="submit" class="block">
          Sign out and continue with {formatted}
        </button>
      </PostForm>
      <p class="form-footer">
        <a href="/portal/entitlements">Stay signed in and go to My Entitlements</a>
      </p>
    </>
  );
}
