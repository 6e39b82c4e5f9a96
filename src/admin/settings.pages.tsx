import { Fragment } from 'preact';
import type { PortalSettings } from '../settings/settings.repo.js';
import { AdminLayout, type AdminPageContext } from '../web/admin-layout.js';
import { ErrorSummary, Field, PostForm, SelectField } from '../web/forms.js';
import { durationInUnits, LICENCE_API_FIELDS, shown, type SettingsForm } from './settings-admin.service.js';

const onOff = (on: boolean) => (on ? 'On' : 'Off');
const UNIT_OPTIONS = [
  { value: 'minutes', label: 'minutes' },
  { value: 'hours', label: 'hours' },
  { value: 'days', label: 'days' },
] as const;

const SWITCHES = [
  { name: 'verifyNewDevices', label: 'Check new devices', hint: 'A customer without MFA signing in from a browser their account has not used before must enter a code emailed to them.' },
  { name: 'mfaRequiredForCustomers', label: 'Require MFA of customers', hint: 'A customer without MFA must set it up right after signing in, before any other portal page.' },
  { name: 'registrationRequiresProof', label: 'Self-registration needs a proof of the AWS account', hint: 'A portal link from a WebStream instance’s admin panel, or the AWS Marketplace flow. Accounts created by staff are not affected.' },
] as const;

/** A labelled checkbox with its hint (posted as 'on' when ticked, absent when not). */
function Checkbox({ name, label, hint, checked }: { name: string; label: string; hint: string; checked: boolean }) {
  const id = `field-${name}`;
  return (
    <div class="field check-field">
      <input type="checkbox" id={id} name={name} value="on" checked={checked} aria-describedby={`${id}-hint`} />
      <label for={id}>{label}</label>
      <div class="hint" id={`${id}-hint`}>
        {hint}
      </div>
    </div>
  );
}

/** What every role sees: each setting and its value. */
function CurrentValues({ settings }: { settings: PortalSettings }) {
  const duration = durationInUnits(settings.sessionDurationSeconds);
  const api = settings.licenceApi;
  return (
    <>
      <section class="panel" aria-labelledby="sign-in-heading">
        <h2 id="sign-in-heading">Customer sign-in</h2>
        <dl class="facts">
          <dt>Session duration</dt>
          <dd>{`${duration.value} ${duration.unit}`}</dd>
          {SWITCHES.map((s) => (
            <Fragment key={s.name}>
              <dt>{s.label}</dt>
              <dd>{onOff(settings[s.name])}</dd>
            </Fragment>
          ))}
        </dl>
      </section>
      <section class="panel" aria-labelledby="licence-api-heading">
        <h2 id="licence-api-heading">Licence API</h2>
        <dl class="facts">
          <dt>Trials</dt>
          <dd>{onOff(api.trialsEnabled)}</dd>
          {LICENCE_API_FIELDS.map((f) => (
            <Fragment key={f.field}>
              <dt>{f.label}</dt>
              <dd>{`${shown(api[f.key], f.scale)} ${f.unit}`}</dd>
            </Fragment>
          ))}
        </dl>
      </section>
    </>
  );
}

/**
 * /admin/settings: every role reads the settings; an admin changes them in one form, re-entering their
 * password. Saved settings apply at once here and within 5 seconds in every other portal process.
 */
export function SettingsPage({ ctx, settings, canChange, form, problem }: { ctx: AdminPageContext; settings: PortalSettings; canChange: boolean; form: SettingsForm; problem?: { message: string; fields: Record<string, string[]> } | undefined }) {
  const fields = problem?.fields ?? {};
  const firstError = Object.keys(fields)[0];
  return (
    <AdminLayout title="Settings" ctx={ctx}>
      <div class="page-head">
        <h1>Settings</h1>
      </div>
      <p class="lead">Portal-wide settings. A change applies at once in this portal process and within 5 seconds in every other one.</p>
      <ErrorSummary message={problem?.message} />
      {!canChange ? (
        <>
          <CurrentValues settings={settings} />
          <p class="hint">Only an admin can change the settings.</p>
        </>
      ) : (
        <PostForm action="/admin/settings" csrfToken={ctx.csrfToken}>
          <fieldset class="panel">
            <legend>
              <h2>Customer sign-in</h2>
            </legend>
            <div class="field-row">
              <Field name="sessionDuration" label="Session duration" inputmode="numeric" value={form.sessionDuration} errors={fields.sessionDuration} autofocus={firstError === 'sessionDuration'} hint="How long a customer stays signed in: from 15 minutes to 90 days. New sessions get it; open ones keep theirs." maxLength={13} />
              <SelectField id="field-sessionDurationUnit" name="sessionDurationUnit" label="Unit" value={form.sessionDurationUnit} options={UNIT_OPTIONS} />
            </div>
            {SWITCHES.map((s) => (
              <Checkbox key={s.name} name={s.name} label={s.label} hint={s.hint} checked={form[s.name] === 'on'} />
            ))}
          </fieldset>
          <fieldset class="panel">
            <legend>
              <h2>Licence API</h2>
            </legend>
            <Checkbox name="trialsEnabled" label="Grant trials" hint="A licence request from an AWS account that never had a trial is granted one at once; otherwise it waits for staff." checked={form.trialsEnabled === 'on'} />
            {LICENCE_API_FIELDS.map((f) => (
              <Field key={f.field} name={f.field} label={`${f.label} (${f.unit})`} inputmode="numeric" value={form[f.field] ?? ''} errors={fields[f.field]} autofocus={firstError === f.field} maxLength={13} />
            ))}
          </fieldset>
          <section class="panel" aria-labelledby="confirm-heading">
            <h2 id="confirm-heading">Save</h2>
            <Field name="confirmPassword" label="Your password" type="password" autocomplete="current-password" hint="Re-enter your own password to confirm these changes. Each changed setting is audited with its old and new value." errors={fields.confirmPassword} autofocus={firstError === 'confirmPassword'} maxLength={1024} />
            <button type="submit">Save the settings</button>
          </section>
        </PostForm>
      )}
    </AdminLayout>
  );
}
