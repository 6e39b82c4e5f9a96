import type { ComponentChildren } from 'preact';

/** A CSRF-protected POST form. Every state-changing form in the portal is one of these. */
export function PostForm(props: { action: string; csrfToken: string; children: ComponentChildren; class?: string; novalidate?: boolean }) {
  return (
    <form method="post" action={props.action} class={props.class} noValidate={props.novalidate}>
      <input type="hidden" name="_csrf" value={props.csrfToken} />
      {props.children}
    </form>
  );
}

interface FieldProps {
  name: string;
  /** The input's id, when a page has several forms with a field of the same name (default `field-<name>`). */
  id?: string;
  label: string;
  type?: 'text' | 'email' | 'password' | 'search';
  value?: string;
  errors?: string[] | undefined;
  hint?: ComponentChildren;
  autocomplete?: string;
  inputmode?: 'numeric' | 'text' | 'email';
  required?: boolean;
  autofocus?: boolean;
  readonly?: boolean;
  maxLength?: number;
}

/** The aria attributes that tie a control to its hint and its errors (ids `<id>-hint`, `<id>-error`). */
export function describedBy(id: string, hint: ComponentChildren, errors: readonly string[]) {
  const ids = [hint ? `${id}-hint` : undefined, errors.length > 0 ? `${id}-error` : undefined].filter(Boolean).join(' ');
  return { 'aria-invalid': errors.length > 0 ? ('true' as const) : undefined, 'aria-describedby': ids === '' ? undefined : ids };
}

/** The label, the hint and every error around one control: the frame every field of every form shares. */
export function FieldFrame({ id, label, hint, errors, children }: { id: string; label: string; hint: ComponentChildren; errors: readonly string[]; children: ComponentChildren }) {
  return (
    <div class={errors.length > 0 ? 'field has-error' : 'field'}>
      <label for={id}>{label}</label>
      {hint ? (
        <div class="hint" id={`${id}-hint`}>
          {hint}
        </div>
      ) : null}
      {errors.length > 0 ? (
        <ul class="field-errors" id={`${id}-error`}>
          {errors.map((error) => (
            <li key={error}>{error}</li>
          ))}
        </ul>
      ) : null}
      {children}
    </div>
  );
}

/** A labelled input with its hint and every error for it, linked with aria-describedby. */
export function Field(props: FieldProps) {
  const id = props.id ?? `field-${props.name}`;
  const errors = props.errors ?? [];
  return (
    <FieldFrame id={id} label={props.label} hint={props.hint} errors={errors}>
      <input
        id={id}
        name={props.name}
        // Preact types each input type separately; all of them share every attribute used here.
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- tsc needs it, the lint rule disagrees
        type={(props.type ?? 'text') as 'text'}
        value={props.type === 'password' ? undefined : props.value}
        autocomplete={props.autocomplete}
        inputMode={props.inputmode}
        required={props.required ?? true}
        autoFocus={props.autofocus}
        readOnly={props.readonly}
        maxLength={props.maxLength}
        {...describedBy(id, props.hint, errors)}
      />
    </FieldFrame>
  );
}

/** A summary of what went wrong at the top of a form, focusable for screen readers. */
export function ErrorSummary({ message }: { message: string | undefined }) {
  if (message === undefined) return null;
  return (
    <div class="error-summary" role="alert" tabIndex={-1}>
      {message}
    </div>
  );
}

/** A labelled drop-down with its hint and errors, linked like Field's. */
export function SelectField(props: { id: string; name: string; label: string; options: readonly { value: string; label: string }[]; value: string; errors?: string[] | undefined; hint?: ComponentChildren; autofocus?: boolean }) {
  const errors = props.errors ?? [];
  return (
    <FieldFrame id={props.id} label={props.label} hint={props.hint} errors={errors}>
      <select id={props.id} name={props.name} autoFocus={props.autofocus} {...describedBy(props.id, props.hint, errors)}>
        {props.options.map((option) => (
          <option key={option.value} value={option.value} selected={option.value === props.value}>
            {option.label}
          </option>
        ))}
      </select>
    </FieldFrame>
  );
}
