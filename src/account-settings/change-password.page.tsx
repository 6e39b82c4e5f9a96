import { NEW_PASSWORD_NAMES, NewPasswordFields } from '../accounts/account.pages.js';
import { ErrorSummary, PostForm } from '../web/forms.js';
import { PortalLayout } from '../web/portal-layout.js';
import type { ViewContext } from '../web/view-context.js';

/** After signing in with a one-time password from staff: the only page such a session may use. */
export function ChangePasswordPage(props: { ctx: ViewContext; error?: string | undefined; fieldErrors?: Record<string, string[]> }) {
  const { ctx, error, fieldErrors = {} } = props;
  return (
    <PortalLayout title="Choose your password" ctx={ctx} narrow>
      <div class="card">
        <h1>Choose your password</h1>
        <p class="lead">You signed in with a one-time password. Choose a password of your own to continue; the one-time password then stops working.</p>
        <ErrorSummary message={error} />
        <PostForm action="/portal/change-password" csrfToken={ctx.csrfToken}>
          <NewPasswordFields errors={fieldErrors} label="New password" confirmLabel="Confirm new password" names={NEW_PASSWORD_NAMES} />
          <button type="submit" class="block">
            Set password
          </button>
        </PostForm>
      </div>
    </PortalLayout>
  );
}
