/**
 * Settings changed in the admin panel of one portal process apply in another on the same database: the
 * settings repo caches 5 s per process (SETTINGS_CACHE_MS), so the second portal applies them once its cache
 * has lapsed (its clock moved 6 s), without a restart.
 *
 *   TEST_DATABASE_URL=… node --import tsx --test test/processes/settings-two-portals.test.ts
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { registeredAccount, signIn } from '../support/accounts.js';
import { errorsOn } from '../support/form-agent.js';
import { createScratchDatabase } from '../support/resources.js';
import { STAFF_PASSWORD, staffHelpers } from '../support/staff.js';
import { createTestPortal, GOOD_PASSWORD, type TestPortal } from '../support/test-portal.js';

let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
let a: TestPortal;
let b: TestPortal;
before(async () => {
  scratch = await createScratchDatabase('wsp_settings_two_portals');
  a = await createTestPortal({ env: { DATABASE_URL: scratch.url } });
  b = await createTestPortal({ env: { DATABASE_URL: scratch.url } });
});
after(async () => {
  await a.close();
  await b.close();
  await scratch.drop();
});

test('a change saved on portal A applies on portal B within 5 seconds: session duration, MFA required, licence API', async () => {
  const h = staffHelpers(() => a);
  const admin = await h.enrolledStaff('chief@webstream.example', 'admin');
  const agent = await h.signedInStaff(admin);
  await registeredAccount(b, '111122223333');
  // B has read (and cached) the defaults.
  assert.equal((await b.services.settings.get()).sessionDurationSeconds, 8 * 3600);

  await agent.get('/admin/settings');
  const saved = await agent.post('/admin/settings', {
    sessionDuration: '30',
    sessionDurationUnit: 'minutes',
    mfaRequiredForCustomers: 'on',
    trialsEnabled: 'on',
    trialDays: '30',
    trialSeats: '3',
    graceHours: '168',
    heartbeatMinutes: '10',
    staleMinutes: '30',
    deactivationsPerDay: '5',
    confirmPassword: STAFF_PASSWORD,
  });
  assert.equal(saved.status, 303, errorsOn(saved.body).join(' | '));
  assert.equal((await a.services.settings.get()).sessionDurationSeconds, 30 * 60, 'at once on A');
  assert.equal((await b.services.settings.get()).sessionDurationSeconds, 8 * 3600, 'B still answers from its cache');

  b.clock.advance(6_000);
  const settings = await b.services.settings.get();
  assert.deepEqual([settings.sessionDurationSeconds, settings.mfaRequiredForCustomers, settings.licenceApi.trialSeats], [30 * 60, true, 3]);

  // And B acts on them: a customer signing in there gets a 30-minute session and is sent to set up MFA.
  const { agent: customer, response } = await signIn(b, '111122223333', GOOD_PASSWORD);
  assert.equal(response.status, 303);
  const session = await b.services.db.selectFrom('portal_sessions').select(['created_at', 'expires_at']).orderBy('created_at', 'desc').executeTakeFirstOrThrow();
  assert.equal(session.expires_at.getTime() - session.created_at.getTime(), 30 * 60_000, 'the session lasts 30 minutes');
  const page = await customer.get('/portal/entitlements');
  assert.equal(page.location, '/portal/settings?notice=mfa-required#mfa-heading');
});
