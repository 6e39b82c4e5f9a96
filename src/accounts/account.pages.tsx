import { ErrorSummary, Field, PostForm } from '../web/forms.js';
import { PortalLayout } from '../web/portal-layout.js';
import type { ViewContext } from '../web/view-context.js';
import { ACCOUNT_ID_HINT } from '../core/account-id.js';
import { PasswordRules } from './password-rules.js';

type FieldErrors = Record<string, string[]>;

/** The AWS account ID input of the sign-in and registration forms: the account ID is the username. */
export function AccountIdField(props: { value: string | undefined; errors: string[] | undefined; hint?: string; readonly?: boolean; autofocus?: boolean }) {
  return <Field name="accountId" label="AWS account ID" value={props.value} hint={props.hint ?? ACCOUNT_ID_HINT} autocomplete="username" inputmode="numeric" readonly={props.readonly} errors={props.errors} autofocus={props.autofocus} maxLength={40} />;
}

export function ContactEmailField(props: { value: string | undefined; errors: string[] | undefined }) {
  return <Field name="email" label="Contact email" type="email" value={props.value} hint="We send licence notices and password resets here." autocomplete="email" errors={props.errors} maxLength={254} />;
}

/** A password being chosen, with the rules as its hint, and its confirmation; `names`: the form's field names. */
export function NewPasswordFields(props: { errors: FieldErrors; label?: string; confirmLabel?: string; names?: { password: string; confirm: string } }) {
  const { password, confirm } = props.names ?? { password: 'password', confirm: 'passwordConfirm' };
  return (
    <>
      <Field name={password} label={props.label ?? 'Password'} type="password" hint={<PasswordRules />} autocomplete="new-password" errors={props.errors[password]} maxLength={1024} />
      <Field name={confirm} label={props.confirmLabel ?? 'Confirm password'} type="password" autocomplete="new-password" errors={props.errors[confirm]} maxLength={1024} />
    </>
  );
}

/** The field names of a new password in Settings and the forced change. */
export const NEW_PASSWORD_NAMES = { password: 'newPassword', confirm: 'newPasswordConfirm' };

/**
 * While the portal requires a proof of the AWS account (setting registrationRequiresProof), the plain form
 * cannot succeed: the page explains the three ways to a portal account instead.
 */
function ProofRequired({ error }: { error?: string | undefined }) {
  return (
    <>
      <p class="lead">This portal creates a portal account only for an AWS account that proves it is yours. Any of these works:</p>
      <ErrorSummary message={error} />
      <ul>
        <li>
          <strong>From your WebStream instance:</strong> open the licence portal from the instance's admin panel. Its link fills in your AWS account ID, proven by the instance, and works once for 15 minutes.
        </li>
        <li>
          <strong>Through AWS Marketplace:</strong> open your WebStream subscription in AWS Marketplace and choose “Set up your account”.
        </li>
        <li>
          <strong>From WebStream:</strong> ask WebStream to create the portal account for you; you get a one-time password by email.
        </li>
      </ul>
    </>
  );
}

export function RegisterPage(props: { ctx: ViewContext; values?: { accountId?: string; email?: string }; error?: string | undefined; fieldErrors?: FieldErrors; proofRequired?: boolean }) {
  const { ctx, values = {}, error, fieldErrors = {} } = props;
  if (props.proofRequired === true) {
    return (
      <PortalLayout title="Create portal account" ctx={ctx} narrow>
        <div class="card">
          <h1>Create your portal account</h1>
          <ProofRequired error={error} />
          <div class="form-footer">
            <p>
              Already have a portal account? <a href="/portal/sign-in">Sign in</a>
            </p>
          </div>
        </div>
      </PortalLayout>
    );
  }
  return (
    <PortalLayout title="Create portal account" ctx={ctx} narrow>
      <div class="card">
        <h1>Create your portal account</h1>
        <p class="lead">For AWS accounts that hold a WebStream licence. You will sign in with the AWS account ID and the password you choose here.</p>
        <ErrorSummary message={error} />
        <PostForm action="/portal/register" csrfToken={ctx.csrfToken}>
          <AccountIdField value={values.accountId} errors={fieldErrors.accountId} />
          <ContactEmailField value={values.email} errors={fieldErrors.email} />
          <NewPasswordFields errors={fieldErrors} />
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
    </PortalLayout>
  );
}

export function ForgotPasswordPage(props: { ctx: ViewContext; accountId?: string; error?: string | undefined; fieldErrors?: FieldErrors }) {
  const { ctx, accountId = '', error, fieldErrors = {} } = props;
  return (
    <PortalLayout title="Forgot password" ctx={ctx} narrow>
      <div class="card">
        <h1>Reset your password</h1>
        <p class="lead">Enter your AWS account ID. We will email a reset link to the portal account's contact address.</p>
        <ErrorSummary message={error} />
        <PostForm action="/portal/forgot-password" csrfToken={ctx.csrfToken}>
          <AccountIdField value={accountId} errors={fieldErrors.accountId} />
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
    </PortalLayout>
  );
}

export function ResetPasswordPage(props: { ctx: ViewContext; token: string; error?: string | undefined; fieldErrors?: FieldErrors }) {
  const { ctx, token, error, fieldErrors = {} } = props;
  return (
    <PortalLayout title="Choose a new password" ctx={ctx} narrow>
      <div class="card">
        <h1>Choose a new password</h1>
        <p class="lead">After this, every session of your account is signed out and you sign in with the new password.</p>
        <ErrorSummary message={error} />
        <PostForm action="/portal/reset-password" csrfToken={ctx.csrfToken}>
          <input type="hidden" name="token" value={token} />
          <NewPasswordFields errors={fieldErrors} label="New password" confirmLabel="Confirm new password" />
          <button type="submit" class="block">
            Set new password
          </button>
        </PostForm>
      </div>
    </PortalLayout>
  );
}

export function InvalidLinkPage(props: { ctx: ViewContext; title: string; message: string; action: { href: string; label: string } }) {
  return (
    <PortalLayout title={props.title} ctx={props.ctx} narrow>
      <div class="card">
        <h1>{props.title}</h1>
        <p>{props.message}</p>
        <p>
          <a class="button" href={props.action.href}>
            {props.action.label}
          </a>
        </p>
      </div>
    </PortalLayout>
  );
}

export function VerifyEmailPage(props: { ctx: ViewContext; token: string; email: string }) {
  return (
    <PortalLayout title="Verify email" ctx={props.ctx} narrow>
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
    </PortalLayout>
  );
}
