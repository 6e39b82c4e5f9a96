import { formatAccountId } from '../core/account-id.js';
import { NEW_PASSWORD_NAMES, NewPasswordFields } from '../accounts/account.pages.js';
import { MfaSection } from '../mfa/mfa.section.js';
import { ErrorSummary, Field, PostForm } from '../web/forms.js';
import { PortalLayout } from '../web/portal-layout.js';
import type { ViewContext } from '../web/view-context.js';
import type { SettingsView } from './account-settings.service.js';
import { SessionsSection } from './sessions.section.js';

type FieldErrors = Record<string, string[]>;

/** A form on the page that was sent and refused: its section shows the errors and keeps what was typed. */
export interface FailedForm {
  form: 'password' | 'email';
  error: string;
  fieldErrors: FieldErrors;
  newEmail?: string;
}

export function SettingsPage({ ctx, view, failed }: { ctx: ViewContext; view: SettingsView; failed?: FailedForm | undefined }) {
  return (
    <PortalLayout title="Settings" ctx={ctx}>
      <div class="page-head">
        <div>
          <h1>Settings</h1>
          <p class="lead">Security and contact details of the portal account for AWS account {formatAccountId(view.awsAccountId)}.</p>
        </div>
      </div>
      <div class="settings">
        <MfaSection ctx={ctx} status={view.mfa} />
        <PasswordSection ctx={ctx} failed={failed?.form === 'password' ? failed : undefined} />
        <EmailSection ctx={ctx} contact={view.contact} failed={failed?.form === 'email' ? failed : undefined} />
        <SessionsSection ctx={ctx} sessions={view.sessions} />
      </div>
    </PortalLayout>
  );
}

function PasswordSection({ ctx, failed }: { ctx: ViewContext; failed: FailedForm | undefined }) {
  const errors = failed?.fieldErrors ?? {};
  return (
    <section class="panel" aria-labelledby="password-heading">
      <h2 id="password-heading">Change password</h2>
      <p>Every other session of your account is signed out when the password changes; this one stays signed in.</p>
      <ErrorSummary message={failed?.error} />
      <PostForm action="/portal/settings/password" csrfToken={ctx.csrfToken} class="settings-form">
        <Field name="currentPassword" label="Current password" type="password" autocomplete="current-password" errors={errors.currentPassword} maxLength={1024} />
        <NewPasswordFields errors={errors} label="New password" confirmLabel="Confirm new password" names={NEW_PASSWORD_NAMES} />
        <button type="submit">Change password</button>
      </PostForm>
    </section>
  );
}

function EmailSection({ ctx, contact, failed }: { ctx: ViewContext; contact: SettingsView['contact']; failed: FailedForm | undefined }) {
  const errors = failed?.fieldErrors ?? {};
  return (
    <section class="panel" aria-labelledby="email-heading">
      <h2 id="email-heading">Contact email</h2>
      <p>
        Licence notices and password resets go to <strong>{contact.email}</strong>{' '}
        {contact.verified ? <span class="status status-active">Verified</span> : <span class="status status-pending">Not verified</span>}
      </p>
      {contact.pending === undefined ? null : (
        <p class="pending-email">
          Pending: <strong>{contact.pending}</strong>, check your inbox. We emailed a link to that address; the contact email changes once you open it and confirm.
        </p>
      )}
      <ErrorSummary message={failed?.error} />
      <PostForm action="/portal/settings/email" csrfToken={ctx.csrfToken} class="settings-form">
        <Field name="newEmail" label="New contact email" type="email" value={failed?.newEmail} hint="We send a link to the new address; the change applies when you confirm it there." autocomplete="email" errors={errors.newEmail} maxLength={254} />
        <Field name="emailPassword" label="Current password" type="password" autocomplete="current-password" errors={errors.emailPassword} maxLength={1024} />
        <button type="submit">Change contact email</button>
      </PostForm>
    </section>
  );
}
