import { formatDate } from '../web/format.js';
import { PostForm } from '../web/forms.js';
import type { ViewContext } from '../web/view-context.js';
import type { SessionListItem } from './account-settings.service.js';
import { TableHead } from '../web/table-head.js';

/** "22 Nov 2026, 14:05 UTC": sessions live hours, so the day alone says too little. */
function formatDateTime(date: Date): string {
  return `${formatDate(date)}, ${date.toISOString().slice(11, 16)} UTC`;
}

function When({ date }: { date: Date }) {
  return <time dateTime={date.toISOString()}>{formatDateTime(date)}</time>;
}

const COLUMNS = ['Device', 'Address', 'Signed in', 'Last seen', 'Action'] as const;

/** The account's signed-in browsers; any other one can be ended (by its public id, never its token). */
export function SessionsSection({ ctx, sessions }: { ctx: ViewContext; sessions: SessionListItem[] }) {
  const others = sessions.filter((s) => !s.current).length;
  return (
    <section class="panel" aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">Active sessions</h2>
      <p>Browsers signed in to your account. If you do not recognise one, end it and change your password.</p>
      <div class="table-wrap">
        <table class="sessions">
          <caption class="visually-hidden">Active sessions of your account</caption>
          <TableHead columns={COLUMNS} />
          <tbody>
            {sessions.map((s) => (
              <tr key={s.id}>
                <td data-label={COLUMNS[0]}>
                  {s.device} {s.current ? <span class="status status-active">This session</span> : null}
                </td>
                <td class="mono" data-label={COLUMNS[1]}>
                  {s.ip}
                </td>
                <td data-label={COLUMNS[2]}>
                  <When date={s.createdAt} />
                </td>
                <td data-label={COLUMNS[3]}>
                  <When date={s.lastSeenAt} />
                </td>
                <td data-label={COLUMNS[4]}>
                  {s.current ? (
                    <span class="hint">Use “Sign out” at the top</span>
                  ) : (
                    <PostForm action={`/portal/settings/sessions/${s.id}/end`} csrfToken={ctx.csrfToken} class="inline-form">
                      <button type="submit" class="button secondary small">
                        End session<span class="visually-hidden">{`: ${s.device}, last seen ${formatDateTime(s.lastSeenAt)}`}</span>
                      </button>
                    </PostForm>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {others > 0 ? (
        <PostForm action="/portal/settings/sessions/end-others" csrfToken={ctx.csrfToken} class="section-actions">
          <button type="submit" class="button secondary">
            Sign out all other sessions
          </button>
        </PostForm>
      ) : (
        <p class="hint section-actions">No other browser is signed in to your account.</p>
      )}
    </section>
  );
}
