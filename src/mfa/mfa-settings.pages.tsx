import { ErrorSummary, Field, PostForm } from '../web/forms.js';
import { PortalLayout } from '../web/portal-layout.js';
import type { ViewContext } from '../web/view-context.js';
import { maskEmail } from './code-messages.js';
import { EMAIL_CODE_VALID_MINUTES } from './email-codes.repo.js';
import { formatSecretForManualEntry } from './totp.js';

function Notice({ text }: { text: string | undefined }) {
  return text ? (
    <div class="notice" role="status">
      {text}
    </div>
  ) : null;
}

/** Digits only, unless a recovery code (letters) is also accepted. */
const CodeField = ({ label, hint, recovery = false }: { label: string; hint?: string | undefined; recovery?: boolean }) => (
  <Field name="code" label={label} hint={hint} autocomplete="one-time-code" inputmode={recovery ? 'text' : 'numeric'} autofocus maxLength={32} />
);

/** Authenticator set-up: scan or type the key, then prove it with a current code. */
export function TotpSetupPage({ ctx, secret, qrSvg, awsAccountId, error }: { ctx: ViewContext; secret: string; qrSvg: string; awsAccountId: string; error?: string | undefined }) {
  return (
    <PortalLayout title="Set up an authenticator app" ctx={ctx}>
      <div class="card">
        <h1>Set up an authenticator app</h1>
        <ErrorSummary message={error} />
        <ol class="steps">
          <li>
            <h2>Scan this QR code</h2>
            <p>Use any authenticator app (for example Google Authenticator, Microsoft Authenticator, 1Password or Authy).</p>
            {/* Rendered on the server by the qrcode library from our own otpauth URI: markup we generated, no script. */}
            <div class="qr" role="img" aria-label="QR code to add WebStream to your authenticator app" dangerouslySetInnerHTML={{ __html: qrSvg }} />
          </li>
          <li>
            <h2>Or type the key</h2>
            <p>
              If you cannot scan, add an account by hand: name <strong>WebStream ({awsAccountId})</strong>, time-based, with this key:
            </p>
            <p>
              <code class="secret-key" id="totp-secret">
                {formatSecretForManualEntry(secret)}
              </code>
            </p>
          </li>
          <li>
            <h2>Enter the code your app shows</h2>
            <PostForm action="/portal/settings/mfa/totp" csrfToken={ctx.csrfToken}>
              <CodeField label="6-digit code" hint="MFA turns on only once this code is right." />
              <div class="button-row">
                <button type="submit">Turn on MFA</button>
                <a class="button secondary" href="/portal/settings">
                  Cancel
                </a>
              </div>
            </PostForm>
          </li>
        </ol>
      </div>
    </PortalLayout>
  );
}

/** Email codes set-up: prove the mailbox receives our codes. */
export function EmailSetupPage({ ctx, email, info, error }: { ctx: ViewContext; email: string; info?: string | undefined; error?: string | undefined }) {
  return (
    <PortalLayout title="Use email verification codes" ctx={ctx} narrow>
      <div class="card">
        <h1>Use email verification codes</h1>
        <p class="lead">At each sign-in we will email a 6-digit code to {maskEmail(email)}. This is weaker than an authenticator app: anyone who can read that mailbox can pass this step.</p>
        <Notice text={info} />
        <ErrorSummary message={error} />
        <PostForm action="/portal/settings/mfa/email" csrfToken={ctx.csrfToken}>
          <CodeField label="Code from the email we just sent" hint={`It expires in ${EMAIL_CODE_VALID_MINUTES} minutes.`} />
          <div class="button-row">
            <button type="submit">Turn on email codes</button>
            <a class="button secondary" href="/portal/settings">
              Cancel
            </a>
          </div>
        </PostForm>
        <div class="form-footer">
          <PostForm action="/portal/settings/mfa/email/start" csrfToken={ctx.csrfToken} class="inline-form">
            <button type="submit" class="link-button">
              Email me a new code
            </button>
          </PostForm>
        </div>
      </div>
    </PortalLayout>
  );
}

function recoveryCodesFile(codes: string[]): string {
  return ['WebStream Licence Portal: MFA recovery codes', 'Each code signs in once. Keep them somewhere safe.', '', ...codes, ''].join('\n');
}

/** Shown once, right after they are made: only hashes are kept. `continueTo`: the page MFA set-up interrupted, if any. */
export function RecoveryCodesPage({ ctx, codes, justEnabled, continueTo }: { ctx: ViewContext; codes: string[]; justEnabled: boolean; continueTo?: string | undefined }) {
  return (
    <PortalLayout title="Your recovery codes" ctx={ctx} narrow>
      <div class="card">
        <h1>{justEnabled ? 'MFA is on. Save your recovery codes' : 'Your new recovery codes'}</h1>
        <p class="lead">
          If you lose your {justEnabled ? 'second factor' : 'authenticator or mailbox'}, each of these codes signs you in once. Store them somewhere safe, such as a password manager.
          This is the only time they are shown{justEnabled ? '' : '; the old codes no longer work'}.
        </p>
        <ol class="recovery-codes" aria-label="Recovery codes">
          {codes.map((code) => (
            <li key={code}>
              <code>{code}</code>
            </li>
          ))}
        </ol>
        <div class="button-row">
          {/* A data: URL, so the codes never have to be stored or served again. */}
          <a class="button secondary" download="webstream-recovery-codes.txt" href={`data:text/plain;charset=utf-8,${encodeURIComponent(recoveryCodesFile(codes))}`}>
            Download as a text file
          </a>
          <button type="button" class="button secondary" data-print hidden>
            Print
          </button>
        </div>
        <script src="/assets/print-button.js" defer />
        <a class="button block" href={continueTo ?? '/portal/settings'}>
          I have saved these codes{continueTo === undefined ? '' : ', continue'}
        </a>
      </div>
    </PortalLayout>
  );
}

export type StepUpPurpose = 'disable' | 'recovery-codes';

/** Proving MFA again before turning it off or replacing the recovery codes. */
export function StepUpPage({ ctx, purpose, method, info, error }: { ctx: ViewContext; purpose: StepUpPurpose; method: 'totp' | 'email'; info?: string | undefined; error?: string | undefined }) {
  const title = purpose === 'disable' ? 'Turn off MFA' : 'Create new recovery codes';
  return (
    <PortalLayout title={title} ctx={ctx} narrow>
      <div class="card">
        <h1>{title}</h1>
        <p class="lead">
          {purpose === 'disable'
            ? 'Without MFA, your password alone will open this account. To confirm it is you, enter a current code.'
            : 'The new set replaces the old one: the old codes stop working at once. To confirm it is you, enter a current code.'}
        </p>
        <Notice text={info} />
        <ErrorSummary message={error} />
        <PostForm action={`/portal/settings/mfa/${purpose}`} csrfToken={ctx.csrfToken}>
          <CodeField
            label={method === 'totp' ? 'Code from your authenticator app, or a recovery code' : 'Emailed code, or a recovery code'}
            hint={method === 'email' ? 'Use the button below to get a code by email.' : undefined}
            recovery
          />
          <div class="button-row">
            <button type="submit">{purpose === 'disable' ? 'Turn off MFA' : 'Create new codes'}</button>
            <a class="button secondary" href="/portal/settings">
              Cancel
            </a>
          </div>
        </PostForm>
        {method === 'email' ? (
          <div class="form-footer">
            <PostForm action="/portal/settings/mfa/step-up-code" csrfToken={ctx.csrfToken} class="inline-form">
              <input type="hidden" name="for" value={purpose} />
              <button type="submit" class="link-button">
                Email me a code
              </button>
            </PostForm>
          </div>
        ) : null}
      </div>
    </PortalLayout>
  );
}
