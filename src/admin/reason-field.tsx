import { describedBy, Field, FieldFrame } from '../web/forms.js';

/**
 * Why a staff member makes a change that needs one: kept in the audit entry (and, for licences, in the
 * transition). One rule and one field for every such change, customer or licence.
 */
export const REASON_MIN = 3;
export const REASON_MAX = 500;

/** The reason as kept (trimmed), or the message saying what is wrong with it. Pure. */
export function checkReason(input: string | undefined): { ok: true; reason: string } | { ok: false; message: string } {
  const reason = (input ?? '').trim();
  if (reason.length < REASON_MIN) return { ok: false, message: `Give a reason of at least ${REASON_MIN} characters: it is kept in the audit log.` };
  if (reason.length > REASON_MAX) return { ok: false, message: `Keep the reason to ${REASON_MAX} characters at most (this one has ${reason.length}).` };
  return { ok: true, reason };
}

const HINT = `${REASON_MIN} to ${REASON_MAX} characters, kept in the audit log: for example the ticket number and what the customer asked.`;

/**
 * The labelled reason, its hint and errors linked for screen readers; it takes the focus when it is wrong.
 * A text area in a form of its own; `compact`, one line for a form inside a table row.
 */
export function ReasonField({ id, value, errors, compact = false }: { id: string; value?: string | undefined; errors?: string[] | undefined; compact?: boolean }) {
  const list = errors ?? [];
  if (compact) return <Field id={id} name="reason" label="Reason" hint={HINT} value={value ?? ''} errors={errors} autofocus={list.length > 0} maxLength={REASON_MAX} autocomplete="off" />;
  return (
    <FieldFrame id={id} label="Reason" hint={HINT} errors={list}>
      <textarea id={id} name="reason" rows={3} required minLength={REASON_MIN} maxLength={REASON_MAX} autoFocus={list.length > 0} {...describedBy(id, HINT, list)}>
        {value ?? ''}
      </textarea>
    </FieldFrame>
  );
}
