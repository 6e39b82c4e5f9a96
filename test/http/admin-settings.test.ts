/**
 * /admin/settings: every role reads the settings; only admins change them, with their password re-entered;
 * bad values re-render the form with each field's error and change nothing; every change is audited as
 * settings.changed { key, from, to }; and "MFA required for customers" sends a customer without MFA to set
 * it up right after signing in, before any other portal page. (Two portal processes on one database:
 * test/processes/settings-two-portals.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { registeredAccount, signIn } from '../support/accounts.js';
import { errorsOn, type FormAgent } from '../support/form-agent.js';
import { STAFF_PASSWORD, staffHelpers, type EnrolledStaff } from '../support/staff.js';
import { createTestPortal, GOOD_PASSWORD, type TestPortal } from '../support/test-portal.js';

let portal: TestPortal;
let admin: EnrolledStaff;
let adminAgent: FormAgent;
const h = staffHelpers(() => portal);
before(async () => {
  portal = await createTestPortal();
  admin = await h.enrolledStaff('chief@webstream.example', 'admin');
  adminAgent = await h.signedInStaff(admin);
});
after(() => portal.close());

const ADMIN_ACTOR = 'staff:chief@webstream.example';

/** The form as the page fills it with the defaults, with `changes` on top. */
function form(changes: Record<string, string | undefined> = {}): Record<string, string> {
  const base: Record<string, string | undefined> = {
    sessionDuration: '8',
    sessionDurationUnit: 'hours',
    trialsEnabled: 'on',
    trialDays: '30',
    trialSeats: '2',
    graceHours: '168',
    heartbeatMinutes: '10',
    staleMinutes: '30',
    deactivationsPerDay: '5',
    confirmPassword: STAFF_PASSWORD,
    ...changes,
  };
  return Object.fromEntries(Object.entries(base).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

const changedEntries = async () => (await h.staffAudit(ADMIN_ACTOR)).filter((e) => e.event === 'settings.changed').map((e) => e.details);

test('read-only and support staff read the settings without a form, and get the 403 page posting a change', async () => {
  for (const role of ['read-only', 'support'] as const) {
    const staff = await h.enrolledStaff(`${role}@webstream.example`, role);
    const agent = await h.signedInStaff(staff);
    const page = await agent.get('/admin/settings');
    assert.equal(page.status, 200, role);
    assert.match(page.body, /Session duration/);
    assert.match(page.body, /8 hours/);
    assert.match(page.body, /Only an admin can change the settings/);
    assert.doesNotMatch(page.body, /action="\/admin\/settings"/, `${role}: no form`);
    const post = await agent.post('/admin/settings', form({ sessionDuration: '1', sessionDurationUnit: 'days' }));
    assert.equal(post.status, 403, role);
    assert.match(post.body, /Your role does not allow this/);
  }
  assert.equal((await portal.services.settings.get()).sessionDurationSeconds, 8 * 3600);
});

test('the admin form shows the current values; an unchanged form changes nothing', async () => {
  const page = await adminAgent.get('/admin/settings');
  assert.equal(page.status, 200);
  assert.match(page.body, /<label for="field-sessionDuration">Session duration<\/label>/);
  assert.match(page.body, /name="sessionDuration" type="text" value="8"/);
  assert.match(page.body, /<label for="field-mfaRequiredForCustomers">Require MFA of customers<\/label>/);
  assert.match(page.body, /name="trialsEnabled" value="on" checked/);
  const same = await adminAgent.post('/admin/settings', form());
  assert.equal(same.status, 303);
  assert.equal(same.location, '/admin/settings?notice=settings-unchanged');
  assert.deepEqual(await changedEntries(), []);
});

test('a wrong password changes nothing and says so on the password field', async () => {
  await adminAgent.get('/admin/settings');
  const wrong = await adminAgent.post('/admin/settings', form({ sessionDuration: '2', sessionDurationUnit: 'days', confirmPassword: 'not-my-password' }));
  assert.equal(wrong.status, 401);
  assert.match(wrong.body, /field-confirmPassword-error/);
  assert.match(wrong.body, /name="sessionDuration" type="text" value="2"/, 'what was typed is kept');
  assert.equal((await portal.services.settings.get()).sessionDurationSeconds, 8 * 3600);
});

test('bad values re-render the form with each field’s error, and nothing is changed', async () => {
  const cases: [Record<string, string | undefined>, string, RegExp][] = [
    [{ sessionDuration: '10', sessionDurationUnit: 'minutes' }, 'sessionDuration', /from 15 minutes to 90 days/],
    [{ sessionDuration: '91', sessionDurationUnit: 'days' }, 'sessionDuration', /from 15 minutes to 90 days/],
    [{ sessionDuration: 'soon' }, 'sessionDuration', /from 15 minutes to 90 days/],
    [{ trialDays: '0' }, 'trialDays', /from 1 to 365 days/],
    [{ trialSeats: '1000' }, 'trialSeats', /from 1 to 100 seats/],
    [{ heartbeatMinutes: '30', staleMinutes: '20' }, 'staleMinutes', /longer than the heartbeat interval/],
    [{ deactivationsPerDay: '-1' }, 'deactivationsPerDay', /from 1 to 1000/],
  ];
  for (const [changes, field, message] of cases) {
    await adminAgent.get('/admin/settings');
    const response = await adminAgent.post('/admin/settings', form({ ...changes, verifyNewDevices: 'on' }));
    assert.equal(response.status, 400, JSON.stringify(changes));
    assert.match(response.body, /role="alert"/);
    assert.match(response.body, new RegExp(`id="field-${field}-error"`), field);
    assert.match(errorsOn(response.body).join(' | '), message);
    assert.match(response.body, new RegExp(`id="field-${field}"[^>]*autofocus|autofocus[^>]*id="field-${field}"`), 'the first wrong field takes the focus');
  }
  const settings = await portal.services.settings.get();
  assert.equal(settings.verifyNewDevices, false, 'not even the valid part was saved');
  assert.deepEqual(await changedEntries(), []);
});

test('an admin changes settings with their password: each change is audited with its old and new value and applies at once', async () => {
  await adminAgent.get('/admin/settings');
  const forged = await adminAgent.post('/admin/settings', form({ sessionDuration: '1', sessionDurationUnit: 'days', _csrf: 'forged' }));
  assert.equal(forged.status, 403, 'CSRF');
  const crossSite = await adminAgent.post('/admin/settings', form({ sessionDuration: '1', sessionDurationUnit: 'days' }), { origin: 'https://evil.example' });
  assert.equal(crossSite.status, 403, 'origin check');

  await adminAgent.get('/admin/settings');
  const saved = await adminAgent.post('/admin/settings', form({ sessionDuration: '2', sessionDurationUnit: 'days', verifyNewDevices: 'on', registrationRequiresProof: 'on', trialsEnabled: undefined, trialDays: '14', graceHours: '48' }));
  assert.equal(saved.status, 303, errorsOn(saved.body).join(' | '));
  assert.equal(saved.location, '/admin/settings?notice=settings-saved');
  const settings = await portal.services.settings.get();
  assert.equal(settings.sessionDurationSeconds, 2 * 86_400);
  assert.equal(settings.verifyNewDevices, true);
  assert.equal(settings.registrationRequiresProof, true);
  assert.equal(settings.mfaRequiredForCustomers, false);
  assert.deepEqual([settings.licenceApi.trialsEnabled, settings.licenceApi.trialDays, settings.licenceApi.graceSeconds, settings.licenceApi.trialSeats], [false, 14, 48 * 3600, 2]);
  assert.deepEqual(await changedEntries(), [
    { key: 'sessionDurationSeconds', from: 8 * 3600, to: 2 * 86_400 },
    { key: 'verifyNewDevices', from: false, to: true },
    { key: 'registrationRequiresProof', from: false, to: true },
    { key: 'licenceApi.trialsEnabled', from: true, to: false },
    { key: 'licenceApi.trialDays', from: 30, to: 14 },
    { key: 'licenceApi.graceSeconds', from: 7 * 86_400, to: 48 * 3600 },
  ]);
  const page = await adminAgent.get(saved.location);
  assert.match(page.body, /The settings were saved/);
  assert.match(page.body, /name="sessionDuration" type="text" value="2"/);
  assert.doesNotMatch(page.body, /name="trialsEnabled" value="on" checked/);

  // Put back what later tests expect.
  await portal.services.settings.setVerifyNewDevices(false, portal.clock.now());
  await portal.services.settings.setRegistrationRequiresProof(false, portal.clock.now());
});

test('MFA required: a customer without MFA is sent to set it up right after signing in, and may open nothing else until it is on', async () => {
  await registeredAccount(portal, '123412341234');
  await adminAgent.get('/admin/settings');
  const on = await adminAgent.post('/admin/settings', form({ sessionDuration: '2', sessionDurationUnit: 'days', trialsEnabled: undefined, trialDays: '14', graceHours: '48', mfaRequiredForCustomers: 'on' }));
  assert.equal(on.status, 303, errorsOn(on.body).join(' | '));
  assert.deepEqual((await changedEntries()).at(-1), { key: 'mfaRequiredForCustomers', from: false, to: true });

  const { agent, response } = await signIn(portal, '1234-1234-1234', GOOD_PASSWORD);
  assert.equal(response.status, 303);
  const landing = await agent.get(response.location ?? '');
  assert.equal(landing.status, 303, 'the entitlements page is not theirs yet');
  assert.equal(landing.location, '/portal/settings?notice=mfa-required#mfa-heading');
  const settingsPage = await agent.get('/portal/settings?notice=mfa-required');
  assert.equal(settingsPage.status, 200);
  assert.match(settingsPage.body, /This portal requires multi-factor authentication/);
  for (const url of ['/portal/entitlements', '/portal/marketplace/provision']) assert.equal((await agent.get(url)).location, '/portal/settings?notice=mfa-required#mfa-heading', url);
  const post = await agent.post('/portal/settings/sessions/end-others', {});
  assert.equal(post.location, '/portal/settings?notice=mfa-required#mfa-heading', 'nor may it post elsewhere');

  // Setting MFA up is allowed, and once it is on the portal opens.
  const start = await agent.post('/portal/settings/mfa/email/start', {});
  assert.equal(start.status, 200);
  await portal.deliverMail();
  const mail = await portal.inbox.waitFor('123412341234@example.com', /verification code/);
  const code = /\b(\d{6})\b/.exec(mail.text)?.[1] ?? '';
  const enabled = await agent.post('/portal/settings/mfa/email', { code });
  assert.ok(enabled.status === 200 || enabled.status === 303, errorsOn(enabled.body).join(' | '));
  assert.equal((await agent.get('/portal/entitlements')).status, 200, 'MFA is on: the portal opens');

  // Turned off, a customer without MFA is not held back.
  await registeredAccount(portal, '432143214321');
  await portal.services.settings.setMfaRequiredForCustomers(false, portal.clock.now());
  const other = await signIn(portal, '432143214321', GOOD_PASSWORD);
  assert.equal((await other.agent.get('/portal/entitlements')).status, 200);
});

test('a save whose audit entry cannot be written changes no setting: the changes and their entries are one transaction', async () => {
  const db = portal.services.db;
  const before = await portal.services.settings.get();
  // The database refuses the audit entry (as a full disk or a lost connection would, mid-save).
  await sql`
    create function refuse_settings_audit() returns trigger language plpgsql as $$
    begin
      if new.event = 'settings.changed' then raise exception 'audit refused by the test'; end if;
      return new;
    end $$;
    create trigger refuse_settings_audit before insert on audit_events for each row execute function refuse_settings_audit();
  `.execute(db);
  try {
    await adminAgent.get('/admin/settings');
    const failed = await adminAgent.post('/admin/settings', form({ sessionDuration: '3', sessionDurationUnit: 'days', verifyNewDevices: 'on', trialDays: '21' }));
    assert.equal(failed.status, 500);
  } finally {
    await sql`drop trigger refuse_settings_audit on audit_events; drop function refuse_settings_audit()`.execute(db);
  }
  portal.services.settings.forgetCached();
  assert.deepEqual(await portal.services.settings.get(), before, 'nothing half-written');
  const stored = await db.selectFrom('portal_settings').select(['key', 'value']).where('key', 'in', ['session_duration_seconds', 'verify_new_devices', 'licence_api']).execute();
  assert.ok(!stored.some((row) => row.key === 'session_duration_seconds' && row.value === 3 * 86_400), JSON.stringify(stored));
});
