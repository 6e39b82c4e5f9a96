import { AdminLayout, type AdminViewContext } from '../web/admin-layout.js';
import { PostForm } from '../web/forms.js';
import { ROLE_LABELS } from './policy.js';
import type { SignedInStaff } from './staff-session.js';

/** The admin panel's start page: who is signed in, with which role (the dashboard's figures come later). */
export function AdminHomePage({ ctx, staff }: { ctx: AdminViewContext & { csrfToken: string }; staff: SignedInStaff }) {
  return (
    <AdminLayout title="Dashboard" ctx={ctx}>
      <div class="page-head">
        <h1>Dashboard</h1>
      </div>
      <section class="panel" aria-labelledby="you-heading">
        <h2 id="you-heading">Signed in</h2>
        <dl class="facts">
          <dt>Staff member</dt>
          <dd>{staff.email}</dd>
          <dt>Role</dt>
          <dd>{ROLE_LABELS[staff.role]}</dd>
        </dl>
        <p class="hint">Your session ends after 30 minutes without activity, and 12 hours after sign-in at the latest.</p>
        <PostForm action="/admin/sign-out-everywhere" csrfToken={ctx.csrfToken} class="inline-form">
          <button type="submit" class="button secondary">
            Sign out everywhere
          </button>
        </PostForm>
      </section>
    </AdminLayout>
  );
}
