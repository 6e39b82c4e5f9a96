import { AccountIdField } from '../accounts/account.pages.js';
import { ErrorSummary, Field, PostForm } from '../web/forms.js';
import { PortalLayout } from '../web/portal-layout.js';
import type { ViewContext } from '../web/view-context.js';

export interface SignInPageProps {
  ctx: ViewContext;
  accountId?: string;
  next?: string | undefined;
  error?: string | undefined;
  fieldErrors?: Record<string, string[]>;
}

/** The password of a sign-in form. */
export function CurrentPasswordField(props: { errors: string[] | undefined; autofocus: boolean }) {
  return <Field name="password" label="Password" type="password" autocomplete="current-password" errors={props.errors} autofocus={props.autofocus} maxLength={1024} />;
}

export function ForgotPasswordLink() {
  return (
    <p>
      <a href="/portal/forgot-password">Forgot your password?</a>
    </p>
  );
}

export function SignInPage({ ctx, accountId = '', next, error, fieldErrors = {} }: SignInPageProps) {
  return (
    <PortalLayout title="Sign in" ctx={ctx} narrow>
      <div class="card">
        <h1>Sign in</h1>
        <p class="lead">Use the AWS account ID your WebStream licence belongs to.</p>
        <ErrorSummary message={error} />
        <PostForm action="/portal/sign-in" csrfToken={ctx.csrfToken}>
          {next ? <input type="hidden" name="next" value={next} /> : null}
          <AccountIdField value={accountId} errors={fieldErrors.accountId} autofocus={accountId === ''} />
          <CurrentPasswordField errors={fieldErrors.password} autofocus={accountId !== ''} />
          <button type="submit" class="block">
            Sign in
          </button>
        </PostForm>
        <div class="form-footer">
          <ForgotPasswordLink />
          <p>
            New here? <a href="/portal/register">Create a portal account</a>
          </p>
        </div>
      </div>
    </PortalLayout>
  );
}
