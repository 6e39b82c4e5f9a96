import { formatAccountId } from '../core/account-id.js';
import { AdminLayout, type AdminPageContext } from '../web/admin-layout.js';
import { ErrorSummary, PostForm } from '../web/forms.js';
import { ReasonField } from './reason-field.js';

export type ConfirmAction = 'reset-mfa' | 'disable';

const TEXT: Record<ConfirmAction, { title: string; what: string; button: string }> = {
  'reset-mfa': {
    title: 'Reset MFA',
    what: 'MFA is turned off and its recovery codes stop working; every session of the account ends and the customer is told by email. They can sign in with their password and set MFA up again. Only do this once you are sure who is asking.',
    button: 'Reset MFA of',
  },
  disable: {
    title: 'Disable the portal account',
    what: 'The customer can no longer sign in, and every session of theirs ends at once. Their licences, activations and Marketplace subscriptions are not changed. You can re-enable the account later.',
    button: 'Disable the portal account of',
  },
};

/** The confirmation of a change that needs a reason: it names the account, and asks why. */
export function CustomerConfirmPage({ ctx, action, awsAccountId, email, reason, error, reasonError }: { ctx: AdminPageContext; action: ConfirmAction; awsAccountId: string; email: string; reason?: string | undefined; error?: string | undefined; reasonError?: string | undefined }) {
  const shown = formatAccountId(awsAccountId);
  const text = TEXT[action];
  return (
    <AdminLayout title={`${text.title}: ${shown}`} ctx={ctx}>
      <p>
        <a href={`/admin/customers/${awsAccountId}`}>← Back to AWS account {shown}</a>
      </p>
      <div class="page-head">
        <h1>
          {text.title}: <span class="mono">{shown}</span>
        </h1>
      </div>
      <ErrorSummary message={error} />
      <section class="panel" aria-labelledby="confirm-heading">
        <h2 id="confirm-heading">
          AWS account {shown} ({email})
        </h2>
        <p>{text.what}</p>
        <PostForm action={`/admin/customers/${awsAccountId}/${action}`} csrfToken={ctx.csrfToken}>
          <ReasonField id={`${action}-reason`} value={reason} errors={reasonError === undefined ? undefined : [reasonError]} />
          <div class="button-row">
            <button type="submit">
              {text.button} {shown}
            </button>
            <a href={`/admin/customers/${awsAccountId}`}>Cancel</a>
          </div>
        </PostForm>
      </section>
    </AdminLayout>
  );
}
