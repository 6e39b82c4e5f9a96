import { ACCOUNT_ID_HINT } from '../accounts/account-id.js';
import { ErrorSummary, Field, PostForm } from '../web/forms.js';
import { Layout } from '../web/layout.js';
import type { ViewContext } from '../web/view-context.js';

export interface SignInPageProps {
  ctx: ViewContext;
  accountId?: string;
  next?: string | undefined;
  error?: string | undefined;
  fieldErrors?: Record<string, string[]>;
}

export function SignInPage({ ctx, accountId = '', next, error, fieldErrors = {} }: SignInPageProps) {
  return (
    <Layout title="Sign in" ctx={ctx} narrow>
      <div class="card">
        <h1>Sign in</h1>
        <p class="lead">Use the AWS account ID your WebStream licence belongs to.</p>
        <ErrorSummary message={error} />
        <PostForm action="/portal/sign-in" csrfToken={ctx.csrfToken}>
          {next ? <input type="hidden" name="next" value={next} /> : null}
          <Field name="accountId" label="AWS account ID" value={accountId} hint={ACCOUNT_ID_HINT} autocomplete="username" inputmode="numeric" errors={fieldErrors.accountId} autofocus={accountId === ''} maxLength={40} />
          <Field name="password" label="Password" type="password" autocomplete="current-password" errors={fieldErrors.password} autofocus={accountId !== ''} maxLength={1024} />
          <button type="submit" class="block">
            Sign in
          </button>
        </PostForm>
        <div class="form-footer">
          <p>
            <a href="/portal/forgot-password">Forgot your password?</a>
          </p>
          <p>
            New here? <a href="/portal/register">Create a portal account</a>
          </p>
        </div>
      </div>
    </Layout>
  );
}
