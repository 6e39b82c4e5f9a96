import { PASSWORD_RULES } from '../accounts/password.policy.js';
import { formatSecretForManualEntry } from '../mfa/totp.js';
import { AdminLayout, type AdminPageContext, type AdminViewContext } from '../web/admin-layout.js';
import { ErrorSummary, Field, PostForm } from '../web/forms.js';
import { When } from './admin-table.js';
import { ROLE_LABELS } from './policy.js';
import type { LinkProblem, OpenInvitation } from './staff.service.js';

/** The customer rules, less the one about an AWS account ID (staff have none). */
const STAFF_PASSWORD_RULES = PASSWORD_RULES.filter((rule) => !rule.includes('AWS account ID'));

function StaffPasswordRules() {
  return (
    <>
      Your password needs:
      <ul>
        {STAFF_PASSWORD_RULES.map((rule) => (
          <li key={rule}>{rule}</li>
        ))}
      </ul>
    </>
  );
}

/**
 * An invitation or a recovery (choose a password) or a TOTP reset (the current password), then the authenticator: one
 * form, so nothing in the admin panel opens before both are done. Works without JavaScript.
 */
export function InvitationPage(props: { ctx: AdminPageContext; token: string; invitation: OpenInvitation; qrSvg: string; error?: string | undefined; fields?: Record<string, string[]> }) {
  const { ctx, invitation, fields = {} } = props;
  const invite = invitation.purpose === 'invite';
  // An invitation and a recovery choose a new password; a TOTP reset proves the current one.
  const newPassword = invitation.purpose !== 'totp_reset';
  const title = invite ? 'Set up your staff account' : invitation.purpose === 'recovery' ? 'Choose a new password' : 'Set up your authenticator again';
  const submit = invite ? 'Create my staff account' : invitation.purpose === 'recovery' ? 'Save my new password and authenticator' : 'Turn on my authenticator';
  return (
    <AdminLayout title={title} ctx={ctx}>
      <div class="card">
        <h1>{title}</h1>
        <p class="lead">
          {invitation.email} · {ROLE_LABELS[invitation.role]}. This link works once, until <When at={invitation.expiresAt} />.
        </p>
        <ErrorSummary message={props.error} />
        <PostForm action="/admin/invitation" csrfToken={ctx.csrfToken}>
          <input type="hidden" name="token" value={props.token} />
          <ol class="steps">
            <li>
              {newPassword ? (
                <>
                  <h2>Choose a password</h2>
                  <input type="text" name="username" value={invitation.email} autocomplete="username" hidden readOnly />
                  <Field name="password" label="New password" type="password" autocomplete="new-password" hint={<StaffPasswordRules />} errors={fields.password} autofocus={fields.password !== undefined || Object.keys(fields).length === 0} maxLength={1024} />
                  <Field name="passwordConfirm" label="Confirm the new password" type="password" autocomplete="new-password" errors={fields.passwordConfirm} autofocus={fields.password === undefined && fields.passwordConfirm !== undefined} maxLength={1024} />
                </>
              ) : (
                <>
                  <h2>Enter your current password</h2>
                  <Field name="password" label="Current password" type="password" autocomplete="current-password" errors={fields.password} autofocus={fields.password !== undefined || Object.keys(fields).length === 0} maxLength={1024} />
                </>
              )}
            </li>
            <li>
              <h2>Scan this QR code with your authenticator app</h2>
              <p>Staff accounts always need an authenticator app (for example Google Authenticator, Microsoft Authenticator or 1Password).</p>
              {/* Rendered on the server by the qrcode library from our own otpauth URI: markup we generated, no script. */}
              <div class="qr" role="img" aria-label="QR code to add WebStream Admin to your authenticator app" dangerouslySetInnerHTML={{ __html: props.qrSvg }} />
              <p>If you cannot scan, add a time-based account by hand with this key:</p>
              <p>
                <code class="secret-key" id="totp-secret">
                  {formatSecretForManualEntry(invitation.secret)}
                </code>
              </p>
            </li>
            <li>
              <h2>Enter the code your app shows</h2>
              <Field name="code" label="6-digit code" autocomplete="one-time-code" inputmode="numeric" errors={fields.code} autofocus={fields.password === undefined && fields.passwordConfirm === undefined && fields.code !== undefined} maxLength={16} />
            </li>
          </ol>
          <button type="submit">{submit}</button>
        </PostForm>
      </div>
    </AdminLayout>
  );
}

const PROBLEMS: Record<LinkProblem, { title: string; text: string }> = {
  unknown: { title: 'This link does not work', text: 'This link is not valid. Check that you opened the whole link from the email, or ask an admin to send a new one.' },
  used: { title: 'This link was already used', text: 'This link has been used, and works only once. If your staff account is set up, sign in; otherwise ask an admin to send a new link.' },
  expired: { title: 'This link has expired', text: 'This link is no longer valid: it works for 24 hours, and only the latest link sent works. Ask an admin to send a new one.' },
};

export function LinkProblemPage({ ctx, problem }: { ctx: AdminViewContext; problem: LinkProblem }) {
  const { title, text } = PROBLEMS[problem];
  return (
    <AdminLayout title={title} ctx={ctx} narrow>
      <div class="card">
        <h1>{title}</h1>
        <p>{text}</p>
        <p>
          <a href="/admin/sign-in">Go to the staff sign-in</a>
        </p>
      </div>
    </AdminLayout>
  );
}
