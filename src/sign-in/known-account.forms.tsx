import type { ComponentChildren } from 'preact';
import { AccountIdField, ContactEmailField, NewPasswordFields } from '../accounts/account.pages.js';
import { ErrorSummary, PostForm } from '../web/forms.js';
import { CurrentPasswordField, ForgotPasswordLink } from './sign-in.page.js';

/**
 * The forms of a page that already knows the AWS account, because a portal link proved it or a Marketplace
 * subscription names it: create the portal account or sign in, the account ID shown read-only; or, signed in
 * as another account, sign out first. The portal-link and Marketplace-link pages share them.
 */

export interface KnownAccountFormView {
  values?: { email?: string };
  error?: string | undefined;
  fieldErrors?: Record<string, string[]>;
}

interface KnownAccountForm {
  /** The section's heading id. */
  id: string;
  heading: string;
  csrfToken: string;
  action: string;
  /** The account ID as written on the form (read-only), and why it cannot be changed. */
  accountId: string;
  accountHint: string;
  button: string;
  view: KnownAccountFormView;
}

/** Creates the portal account of the known AWS account; `signInHref` leads to the other form. */
export function KnownAccountRegister(props: KnownAccountForm & { signInHref: string }) {
  const fieldErrors = props.view.fieldErrors ?? {};
  return (
    <section aria-labelledby={props.id}>
      <h2 id={props.id}>{props.heading}</h2>
      <p>You will sign in with this AWS account ID and the password you choose here.</p>
      <ErrorSummary message={props.view.error} />
      <PostForm action={props.action} csrfToken={props.csrfToken}>
        <AccountIdField value={props.accountId} hint={props.accountHint} readonly errors={fieldErrors.accountId} />
        <ContactEmailField value={props.view.values?.email} errors={fieldErrors.email} />
        <NewPasswordFields errors={fieldErrors} />
        <button type="submit" class="block">
          {props.button}
        </button>
      </PostForm>
      <div class="form-footer">
        <p>
          Already have a portal account for this AWS account? <a href={props.signInHref}>Sign in instead</a>
        </p>
      </div>
    </section>
  );
}

/** Signs in to the known AWS account's portal account; `registerHref` is offered while it has none. */
export function KnownAccountSignIn(props: KnownAccountForm & { intro?: string; registerHref: string | undefined }) {
  const fieldErrors = props.view.fieldErrors ?? {};
  return (
    <section aria-labelledby={props.id}>
      <h2 id={props.id}>{props.heading}</h2>
      {props.intro === undefined ? null : <p>{props.intro}</p>}
      <ErrorSummary message={props.view.error} />
      <PostForm action={props.action} csrfToken={props.csrfToken}>
        <AccountIdField value={props.accountId} hint={props.accountHint} readonly errors={fieldErrors.accountId} />
        <CurrentPasswordField errors={fieldErrors.password} autofocus />
        <button type="submit" class="block">
          {props.button}
        </button>
      </PostForm>
      <div class="form-footer">
        <ForgotPasswordLink />
        {props.registerHref === undefined ? null : (
          <p>
            No portal account yet? <a href={props.registerHref}>Create a portal account</a>
          </p>
        )}
      </div>
    </section>
  );
}

/** Signed in as another AWS account: what is wrong, and a sign-out that carries on with the known one. */
export function SignedInAsAnother({ problem, advice, csrfToken, signOutAction, accountId, children }: { problem: string; advice: string; csrfToken: string; signOutAction: string; accountId: string; children?: ComponentChildren }) {
  return (
    <>
      <div class="error-summary" role="alert">
        {problem}
      </div>
      <p>{advice}</p>
      <PostForm action={signOutAction} csrfToken={csrfToken}>
        <button type="submit" class="block">
          Sign out and continue with {accountId}
        </button>
      </PostForm>
      {children}
    </>
  );
}
