import { ErrorSummary, Field, PostForm } from '../web/forms.js';
import { Layout } from '../web/layout.js';
import type { ViewContext } from '../web/view-context.js';
import { ACCOUNT_ID_HINT } from './account-id.js';
import { PasswordRules } from './password-rules.js';

type FieldErrors = Record<string, string[]>;

export function RegisterPage(props: { ctx: ViewContext; values?: { accountId?: string; email?: string }; error?: string | undefined; fieldErrors?: FieldErrors }) {
  const { ctx, values = {}, error, fieldErrors = {} } = props;
  return (
    <Layout title="Create portal account" ctx={ctx} narrow>
      <div class="card">
        <h1>Create your portal account</h1>
        <p class="lead">For AWS accounts that hold a WebStream licence. You will sign in with the AWS account ID and the password you choose here.</p>
        <ErrorSummary message={error} />
        <PostForm action="/portal/register" csrfToken={ctx.csrfToken}>
          <Field name="accountId" label="AWS account ID" value={values.accountId} hint={ACCOUNT_ID_HINT} autocomplete="username" inputmode="numeric" errors={fieldErrors.accountId} maxLength={40} />
          <Field name="email" label="Contact email" type="email" value={values.email} hint="We send licence notices and password resets here." autocomplete="email" errors={fieldErrors.email} maxLength={254} />
          <Field name="password" label="Password" type="password" hint={<PasswordRules />} autocomplete="new-password" errors={fieldErrors.password} maxLength={1024} />
          <Field name="passwordConfirm" label="Confirm password" type="password" autocomplete="new-password" errors={fieldErrors.passwordConfirm} maxLength={1024} />
          <button type="submit" class="block">
            Create portal account
          </button>
        </PostForm>
        <div class="form-footer">
          <p>
            Already have a portal account? <a href="/portal/sign-in">Sign in</a>
          </p>
        </div>
      </div>
    </Layout>
  );
}

export function ForgotPasswordPage(props: { ctx: ViewContext; accountId?: string; error?: string | undefined; fieldErrors?: FieldErrors }) {
  const { ctx, accountId = '', error, fieldErrors = {} } = props;
  return (
    <Layout title="Forgot password" ctx={ctx} narrow>
      <div class="card">
        <h1>Reset your password</h1>
        <p class="lead">Enter your AWS account ID. We will email a reset link to the portal account's contact address.</p>
        <ErrorSummary message={error} />
        <PostForm action="/portal/forgot-password" csrfToken={ctx.csrfToken}>
          <Field name="accountId" label="AWS account ID" value={accountId} hint={ACCOUNT_ID_HINT} autocomplete="username" inputmode="numeric" errors={fieldErrors.accountId} maxLength={40} />
          <button type="submit" class="block">
            Email me a reset link
          </button>
        </PostForm>
        <div class="form-footer">
          <p>
            Remembered it? <a href="/portal/sign-in">Sign in</a>
          </p>
        </div>
      </div>
    </Layout>
  );
}

export function ResetPasswordPage(props: { ctx: ViewContext; token: string; error?: string | undefined; fieldErrors?: FieldErrors }) {
  const { ctx, token, error, fieldErrors = {} } = props;
  return (
    <Layout title="Choose a new password" ctx={ctx} narrow>
      <div class="card">
        <h1>Choose a new password</h1>
        <p class="lead">After this, every session of your account is signed out and you sign in with the new password.</p>
        <ErrorSummary message={error} />
        <PostForm action="/portal/reset-password" csrfToken={ctx.csrfToken}>
          <input type="hidden" name="token" value={token} />
          <Field name="password" label="New password" type="password" hint={<PasswordRules />} autocomplete="new-password" errors={fieldErrors.password} maxLength={1024} />
          <Field name="passwordConfirm" label="Confirm new password" type="password" autocomplete="new-password" errors={fieldErrors.passwordConfirm} maxLength={1024} />
          <button type="submit" class="block">
            Set new password
          </button>
        </PostForm>
      </div>
    </Layout>
  );
}

export function InvalidLinkPage(props: { ctx: ViewContext; title: string; message: string; action: { href: string; label: string } }) {
  return (
    <Layout title={props.title} ctx={props.ctx} narrow>
      <div class="card">
        <h1>{props.title}</h1>
        <p>{props.message}</p>
        <p>
          <a class="button" href={props.action.href}>
            {props.action.label}
          </a>
        </p>
      </div>
    </Layout>
  );
}

export function VerifyEmailPage(props: { ctx: ViewContext; token: string; email: string }) {
  return (
    <Layout title="Verify email" ctx={props.ctx} narrow>
      <div class="card">
        <h1>Verify your contact email</h1>
        <p>
          Confirm that <strong>{props.email}</strong> is the contact address for your portal account.
        </p>
        <PostForm action="/portal/verify-email" csrfToken={props.ctx.csrfToken}>
          <input type="hidden" name="token" value={props.token} />
          <button type="submit" class="block">
            Confirm email address
          </button>
        </PostForm>
      </div>
    </Layout>
  );
}
