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
  type?: 'text' | 'email' | 'password';
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

/** A labelled input with its hint and every error for it, linked with aria-describedby. */
export function Field(props: FieldProps) {
  const id = props.id ?? `field-${props.name}`;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const errors = props.errors ?? [];
  const describedBy = [props.hint ? hintId : undefined, errors.length > 0 ? errorId : undefined].filter(Boolean).join(' ');
  return (
    <div class={errors.length > 0 ? 'field has-error' : 'field'}>
      <label for={id}>{props.label}</label>
      {props.hint ? (
        <div class="hint" id={hintId}>
          {props.hint}
        </div>
      ) : null}
      {errors.length > 0 ? (
        <ul class="field-errors" id={errorId}>
          {errors.map((error) => (
            <li key={error}>{error}</li>
          ))}
        </ul>
      ) : null}
      <input
        id={id}
        name={props.name}
        // Preact types each input type separately; all three share every attribute used here.
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- tsc needs it, the lint rule disagrees
        type={(props.type ?? 'text') as 'text'}
        value={props.type === 'password' ? undefined : props.value}
        autocomplete={props.autocomplete}
        inputMode={props.inputmode}
        required={props.required ?? true}
        autoFocus={props.autofocus}
        readOnly={props.readonly}
        maxLength={props.maxLength}
        aria-invalid={errors.length > 0 ? 'true' : undefined}
        aria-describedby={describedBy === '' ? undefined : describedBy}
      />
    </div>
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
  const hintId = `${props.id}-hint`;
  const errorId = `${props.id}-error`;
  const errors = props.errors ?? [];
  const describedBy = [props.hint ? hintId : undefined, errors.length > 0 ? errorId : undefined].filter(Boolean).join(' ');
  return (
    <div class={errors.length > 0 ? 'field has-error' : 'field'}>
      <label for={props.id}>{props.label}</label>
      {props.hint ? (
        <div class="hint" id={hintId}>
          {props.hint}
        </div>
      ) : null}
      {errors.length > 0 ? (
        <ul class="field-errors" id={errorId}>
          {errors.map((error) => (
            <li key={error}>{error}</li>
          ))}
        </ul>
      ) : null}
      <select id={props.id} name={props.name} autoFocus={props.autofocus} aria-invalid={errors.length > 0 ? 'true' : undefined} aria-describedby={describedBy === '' ? undefined : describedBy}>
        {props.options.map((option) => (
          <option key={option.value} value={option.value} selected={option.value === props.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}
