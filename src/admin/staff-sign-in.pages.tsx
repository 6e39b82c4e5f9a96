import { AdminLayout, type AdminPageContext } from '../web/admin-layout.js';
import { ErrorSummary, Field, PostForm } from '../web/forms.js';
import { STAFF_CHALLENGE_MINUTES } from './staff-sign-in.service.js';

/** The password step of the admin panel's sign-in. */
export function StaffSignInPage({ ctx, email = '', next, error }: { ctx: AdminPageContext; email?: string; next?: string | undefined; error?: string | undefined }) {
  return (
    <AdminLayout title="Staff sign-in" ctx={ctx} narrow>
      <div class="card">
        <h1>Staff sign-in</h1>
        <p class="lead">For WebStream staff. Customers sign in at the <a href="/portal/sign-in">Licence Portal</a>.</p>
        <ErrorSummary message={error} />
        <PostForm action="/admin/sign-in" csrfToken={ctx.csrfToken}>
          {next === undefined ? null : <input type="hidden" name="next" value={next} />}
          <Field name="email" label="Email address" type="email" value={email} autocomplete="username" autofocus={email === ''} maxLength={254} />
          <Field name="password" label="Password" type="password" autocomplete="current-password" autofocus={email !== ''} maxLength={1024} />
          <button type="submit" class="block">
            Continue
          </button>
        </PostForm>
        <div class="form-footer">
          <p>Forgot your password or lost your authenticator? Ask an admin to reset it.</p>
        </div>
      </div>
    </AdminLayout>
  );
}

/** The second step: the code of the authenticator app (staff have no emailed codes). */
export function StaffCodePage({ ctx, next, error }: { ctx: AdminPageContext; next?: string | undefined; error?: string | undefined }) {
  return (
    <AdminLayout title="Authenticator code" ctx={ctx} narrow>
      <div class="card">
        <h1>Enter your authenticator code</h1>
        <p class="lead">Enter the 6-digit code your authenticator app shows for WebStream Admin.</p>
        <p class="hint">Enter it within {STAFF_CHALLENGE_MINUTES} minutes.</p>
        <ErrorSummary message={error} />
        <PostForm action={next === undefined ? '/admin/sign-in/code' : `/admin/sign-in/code?next=${encodeURIComponent(next)}`} csrfToken={ctx.csrfToken}>
          <Field name="code" label="Authentication code" autocomplete="one-time-code" inputmode="numeric" autofocus maxLength={16} />
          <button type="submit" class="block">
            Sign in
          </button>
        </PostForm>
        <div class="form-footer">
          <p>
            <a href="/admin/sign-in">Cancel and start again</a>
          </p>
        </div>
      </div>
    </AdminLayout>
  );
}
