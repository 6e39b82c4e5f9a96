import { maskEmail } from '../mfa/code-messages.js';
import { ErrorSummary, Field, PostForm } from '../web/forms.js';
import { PortalLayout } from '../web/portal-layout.js';
import type { ViewContext } from '../web/view-context.js';
import { CHALLENGE_MINUTES, secondStepOf, type PendingSignIn } from './sign-in-challenges.repo.js';

interface VerifyPageProps {
  ctx: ViewContext;
  pending: Pick<PendingSignIn, 'reason' | 'mfaMethod' | 'email'>;
  info?: string | undefined;
  error?: string | undefined;
}

/** The second sign-in step: authenticator code, emailed code, or a recovery code. */
export function VerifyPage({ ctx, pending, info, error }: VerifyPageProps) {
  const { emailsCode: emailed, isMfa: recoveryAllowed } = secondStepOf(pending);
  const lead =
    pending.reason === 'new_device'
      ? `You are signing in from a browser this account has not used before. To confirm it is you, we emailed a 6-digit verification code to ${maskEmail(pending.email)}.`
      : pending.mfaMethod === 'totp'
        ? 'Enter the 6-digit code your authenticator app shows for WebStream.'
        : `We emailed a 6-digit verification code to ${maskEmail(pending.email)}.`;
  return (
    <PortalLayout title="Verify it’s you" ctx={ctx} narrow>
      <div class="card">
        <h1>Verify it’s you</h1>
        <p class="lead">{lead}</p>
        {emailed ? <p class="hint">Enter it within {CHALLENGE_MINUTES} minutes, while this page is open. If it has not arrived, check your spam folder or ask for a new one below.</p> : null}
        {info ? (
          <div class="notice" role="status">
            {info}
          </div>
        ) : null}
        <ErrorSummary message={error} />
        <PostForm action="/portal/sign-in/verify" csrfToken={ctx.csrfToken}>
          <Field
            name="code"
            label={recoveryAllowed ? (emailed ? 'Emailed code or recovery code' : 'Authentication code or recovery code') : 'Verification code'}
            hint={recoveryAllowed ? 'Lost access? Enter one of the recovery codes you saved when you turned on MFA.' : undefined}
            autocomplete="one-time-code"
            inputmode={recoveryAllowed ? 'text' : 'numeric'}
            autofocus
            maxLength={32}
          />
          <button type="submit" class="block">
            Verify
          </button>
        </PostForm>
        <div class="form-footer">
          {emailed ? (
            <PostForm action="/portal/sign-in/verify/resend" csrfToken={ctx.csrfToken} class="inline-form">
              <button type="submit" class="link-button">
                Email me a new code
              </button>
            </PostForm>
          ) : null}
          <p>
            <a href="/portal/sign-in">Cancel and start again</a>
          </p>
        </div>
      </div>
    </PortalLayout>
  );
}
