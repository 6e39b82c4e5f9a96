/** The emulator's own page frame and form fields (it is a separate tool, so it does not use the portal's layout). */
import type { ComponentChildren } from 'preact';

const STYLE = `
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #16191f; background: #f2f3f3; }
header { background: #232f3e; color: #fff; padding: .75rem 1.5rem; display: flex; gap: 1.5rem; align-items: baseline; flex-wrap: wrap; }
header a { color: #fff; }
header strong { font-size: 1.1rem; }
main { max-width: 72rem; margin: 1.5rem auto; padding: 0 1.5rem; }
section { background: #fff; border: 1px solid #d5dbdb; border-radius: 8px; padding: 1rem 1.5rem; margin-bottom: 1.25rem; }
h1 { font-size: 1.6rem; margin: 0 0 1rem; } h2 { font-size: 1.2rem; margin: 0 0 .75rem; }
label { display: block; font-weight: 600; margin-bottom: .25rem; }
.field { margin-bottom: 1rem; } .hint { color: #545b64; font-size: .9rem; margin-bottom: .25rem; }
.error { color: #b0100b; font-weight: 600; }
input[type=text], input[type=number], input[type=date], input[type=url], select { font: inherit; padding: .4rem .5rem; border: 1px solid #879596; border-radius: 4px; min-width: 14rem; }
input[aria-invalid=true] { border-color: #b0100b; border-width: 2px; }
.check { display: flex; gap: .5rem; align-items: center; font-weight: normal; }
.check input { width: 1.1rem; height: 1.1rem; }
button { font: inherit; font-weight: 600; padding: .45rem 1.1rem; border-radius: 20px; border: 1px solid #879596; background: #fff; cursor: pointer; }
button.primary { background: #ff9900; border-color: #ff9900; color: #16191f; }
button:focus-visible, a:focus-visible, input:focus-visible, select:focus-visible { outline: 3px solid #0972d3; outline-offset: 2px; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; } th, td { text-align: left; padding: .4rem; border-bottom: 1px solid #e9ebed; vertical-align: top; }
code, .mono { font-family: ui-monospace, monospace; font-size: .85rem; word-break: break-all; }
.inline { display: flex; gap: .5rem; align-items: end; flex-wrap: wrap; margin: .25rem 0; }
.inline input, .inline select { min-width: 6rem; }
.notice { background: #f2fcf3; border: 1px solid #037f0c; padding: .5rem 1rem; border-radius: 4px; }
.alert { background: #fff7f7; border: 1px solid #b0100b; padding: .5rem 1rem; border-radius: 4px; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
pre { background: #f2f3f3; padding: .75rem; overflow-x: auto; }
`;

export function Layout(props: { title: string; children: ComponentChildren }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · local AWS emulator`}</title>
        <style dangerouslySetInnerHTML={{ __html: STYLE }} />
      </head>
      <body>
        <header>
          <strong>AWS Marketplace (local emulator)</strong>
          <nav aria-label="Emulator">
            <a href="/buyer">Buyer: subscribe</a> · <a href="/_emulator">Controls</a>
          </nav>
        </header>
        <main>{props.children}</main>
      </body>
    </html>
  );
}

interface FieldProps {
  name: string;
  /** The id is `field-<id>` (default: the name), for a second form on the page with the same field names. */
  id?: string;
  label: string;
  value?: string;
  error?: string | undefined;
  hint?: string;
  type?: 'text' | 'number' | 'date' | 'url';
  inputMode?: 'numeric' | 'text';
  required?: boolean;
  min?: number;
  max?: number;
}

const fieldId = (name: string) => `field-${name}`;

/** The control's aria attributes: invalid when there is an error, described by its hint and error. */
function describedBy(name: string, props: { hint?: string | undefined; error?: string | undefined }) {
  const id = fieldId(name);
  const described = [props.hint === undefined ? undefined : `${id}-hint`, props.error === undefined ? undefined : `${id}-error`].filter(Boolean).join(' ');
  return { 'aria-invalid': props.error === undefined ? undefined : ('true' as const), 'aria-describedby': described === '' ? undefined : described };
}

function Hint(props: { name: string; hint?: string | undefined }) {
  return props.hint === undefined ? null : (
    <div class="hint" id={`${fieldId(props.name)}-hint`}>
      {props.hint}
    </div>
  );
}

/** A label, hint and error above a control (the children) whose id is `field-<name>`. */
function LabelledControl(props: { name: string; label: string; hint?: string | undefined; error?: string | undefined; children: ComponentChildren }) {
  return (
    <div class="field">
      <label for={fieldId(props.name)}>{props.label}</label>
      <Hint name={props.name} hint={props.hint} />
      {props.error === undefined ? null : (
        <div class="error" id={`${fieldId(props.name)}-error`}>
          {props.error}
        </div>
      )}
      {props.children}
    </div>
  );
}

/** A labelled input; its hint and error are linked with aria-describedby. */
export function Field(props: FieldProps) {
  const key = props.id ?? props.name;
  return (
    <LabelledControl name={key} label={props.label} hint={props.hint} error={props.error}>
      <input
        id={fieldId(key)}
        name={props.name}
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- Preact types each input type separately
        type={(props.type ?? 'text') as 'text'}
        value={props.value}
        inputMode={props.inputMode}
        required={props.required}
        min={props.min}
        max={props.max}
        {...describedBy(key, props)}
      />
    </LabelledControl>
  );
}

export function Select(props: { name: string; label: string; options: readonly (string | { value: string; label: string })[]; value?: string; error?: string | undefined; hint?: string }) {
  return (
    <LabelledControl name={props.name} label={props.label} hint={props.hint} error={props.error}>
      <select id={fieldId(props.name)} name={props.name} {...describedBy(props.name, props)}>
        {props.options.map((option) => {
          const { value, label } = typeof option === 'string' ? { value: option, label: option } : option;
          return (
            <option key={value} value={value} selected={value === props.value}>
              {label}
            </option>
          );
        })}
      </select>
    </LabelledControl>
  );
}

export function Checkbox(props: { name: string; label: string; checked?: boolean; hint?: string }) {
  const id = fieldId(props.name);
  return (
    <div class="field">
      <label class="check" for={id}>
        <input id={id} type="checkbox" name={props.name} value="true" checked={props.checked} {...describedBy(props.name, { hint: props.hint })} />
        {props.label}
      </label>
      <Hint name={props.name} hint={props.hint} />
    </div>
  );
}
