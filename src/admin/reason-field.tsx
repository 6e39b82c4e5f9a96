/** Why a staff member makes a change that needs one: kept in the audit entry (and, for licences, the transition). */
export const REASON_MIN = 3;
export const REASON_MAX = 500;

/** The reason as kept (trimmed), or the message saying what is wrong with it. */
export function checkReason(input: string | undefined): { ok: true; reason: string } | { ok: false; message: string } {
  const reason = (input ?? '').trim();
  if (reason.length < REASON_MIN) return { ok: false, message: `Write why you are doing this (at least ${REASON_MIN} characters): it is kept in the audit log.` };
  if (reason.length > REASON_MAX) return { ok: false, message: `Keep the reason to ${REASON_MAX} characters at most (this one has ${reason.length}).` };
  return { ok: true, reason };
}

/** A labelled text area for the reason, with its hint and errors linked for screen readers. */
export function ReasonField({ id, value, errors }: { id: string; value?: string | undefined; errors?: string[] | undefined }) {
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const list = errors ?? [];
  return (
    <div class={list.length > 0 ? 'field has-error' : 'field'}>
      <label for={id}>Reason</label>
      <div class="hint" id={hintId}>
        {`${REASON_MIN} to ${REASON_MAX} characters, kept in the audit log: for example the ticket number and what the customer asked.`}
      </div>
      {list.length > 0 ? (
        <ul class="field-errors" id={errorId}>
          {list.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      ) : null}
      <textarea id={id} name="reason" rows={3} required minLength={REASON_MIN} maxLength={REASON_MAX} autoFocus={list.length > 0} aria-invalid={list.length > 0 ? 'true' : undefined} aria-describedby={list.length > 0 ? `${hintId} ${errorId}` : hintId}>
        {value ?? ''}
      </textarea>
    </div>
  );
}
