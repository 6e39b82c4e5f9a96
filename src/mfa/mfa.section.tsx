import { PostForm } from '../web/forms.js';
import { RECOVERY_CODE_COUNT } from './codes.js';
import type { ViewContext } from '../web/view-context.js';
import { formatDate } from '../web/format.js';

export interface MfaStatus {
  method: 'totp' | 'email' | null;
  enabledAt: Date | null;
  recoveryCodesLeft: number;
}

/** The MFA part of the Settings page: what is on, and the ways to turn it on or off. */
export function MfaSection({ ctx, status }: { ctx: ViewContext; status: MfaStatus }) {
  return (
    <section class="panel" aria-labelledby="mfa-heading">
      <h2 id="mfa-heading">Multi-factor authentication</h2>
      {status.method === null ? (
        <>
          <p>MFA is off. Add a second step to your sign-in so a stolen password is not enough.</p>
          <div class="button-row">
            <PostForm action="/portal/settings/mfa/totp/start" csrfToken={ctx.csrfToken} class="inline-form">
              <button type="submit" class="button">Set up an authenticator app</button>
            </PostForm>
            <PostForm action="/portal/settings/mfa/email/start" csrfToken={ctx.csrfToken} class="inline-form">
              <button type="submit" class="button secondary">Use email verification codes</button>
            </PostForm>
          </div>
          <p class="hint">An authenticator app is the stronger choice: emailed codes are only as safe as your mailbox.</p>
        </>
      ) : (
        <>
          <p>
            MFA is on: {status.method === 'totp' ? 'authenticator app' : 'email verification code (weaker than an app)'}
            {status.enabledAt ? `, since ${formatDate(status.enabledAt)}` : ''}. {status.recoveryCodesLeft} of {RECOVERY_CODE_COUNT} recovery codes left.
          </p>
          <div class="button-row">
            <a class="button secondary" href="/portal/settings/mfa/recovery-codes">
              New recovery codes
            </a>
            <a class="button secondary" href="/portal/settings/mfa/disable">
              Turn off MFA
            </a>
          </div>
        </>
      )}
    </section>
  );
}
