/**
 * The admin panel's sign-in: password then authenticator code, one failure message for every kind of wrong
 * (no enumeration), throttling, a session cookie of its own (hashed in the database), the 12-hour lifetime
 * and 30-minute idle timeout on the test's clock, sign-out and sign-out everywhere, and the wall between the
 * customer portal's sessions and the admin panel's.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { registeredAccount } from '../support/accounts.js';
import { errorsOn, FormAgent } from '../support/form-agent.js';
import { HOUR, MINUTE, SIGN_IN_FAILED, STAFF_PASSWORD, staffHelpers, type EnrolledStaff } from '../support/staff.js';
import { createTestPortal, type TestPortal } from '../support/test-portal.js';
import { totpCodeAt } from '../../src/mfa/totp.js';

let portal: TestPortal;
let admin: EnrolledStaff;
const h = staffHelpers(() => portal);

before(async () => {
  portal = await createTestPortal();
  admin = await h.enrolledStaff('first.admin@webstream.example', 'admin');
});
after(() => portal.close());

const summary = (body: string) => errorsOn(body)[0];

test('sign-in takes the password, then the authenticator code; the session cookie is the admin panel’s own, stored hashed', async () => {
  const agent = await h.signedInStaff(admin);
  const token = agent.cookie('ws_admin_session');
  assert.ok(token !== undefined && token.length >= 43, 'a 256-bit token');
  assert.equal(agent.cookie('ws_session'), undefined, 'no customer session cookie');
  const stored = await portal.services.db.selectFrom('staff_sessions').select(['token_hash', 'expires_at', 'created_at']).execute();
  assert.ok(!stored.some((s) => s.token_hash === token), 'only the hash of the token is stored');
  const home = await agent.get('/admin/');
  assert.equal(home.status, 200);
  assert.match(home.body, /first\.admin@webstream\.example/);
  assert.match(home.body, /<dd>Admin<\/dd>/);
  assert.match(home.body, /<a href="\/admin\/"[^>]*>Dashboard<\/a>/);
  assert.match(home.body, /<a href="\/admin\/staff">Staff<\/a>/);
  // /admin without the slash is the same page.
  assert.equal((await agent.get('/admin')).status, 200);
});

test('the password step alone opens nothing: the admin pages still send to sign-in', async () => {
  const { agent, response } = await h.passwordStep(admin.email);
  assert.equal(response.status, 303);
  assert.equal(agent.cookie('ws_admin_session'), undefined);
  const home = await agent.get('/admin/');
  assert.equal(home.status, 303);
  assert.equal(home.location, '/admin/sign-in?next=%2Fadmin%2F');
});

test('a wrong code is refused, a code is good once, and a lapsed second step starts over', async () => {
  const { agent } = await h.passwordStep(admin.email);
  await agent.get('/admin/sign-in/code');
  const code = totpCodeAt(admin.secret, portal.clock.now());
  const wrongCode = String((Number(code) + 500_000) % 1_000_000).padStart(6, '0');
  const wrong = await agent.post('/admin/sign-in/code', { code: wrongCode });
  assert.equal(wrong.status, 401);
  assert.match(summary(wrong.body) ?? '', /That code is not correct/);
  assert.equal(agent.cookie('ws_admin_session'), undefined);
  const audit = await portal.services.db.selectFrom('audit_events').select(['event', 'details']).where('event', '=', 'staff.totp_failed').execute();
  assert.ok(audit.some((e) => e.details.email === admin.email));

  // The code just used for a session cannot open a second one.
  const first = await h.signedInStaff(admin);
  assert.ok(first.cookie('ws_admin_session'));
  const { agent: second } = await h.passwordStep(admin.email);
  await second.get('/admin/sign-in/code');
  const replay = await second.post('/admin/sign-in/code', { code: totpCodeAt(admin.secret, portal.clock.now()) });
  assert.equal(replay.status, 401);
  assert.match(summary(replay.body) ?? '', /already used/);

  portal.clock.advance(6 * MINUTE);
  const lapsed = await second.post('/admin/sign-in/code', { code: h.nextCode(admin.secret) });
  assert.equal(lapsed.status, 401);
  assert.match(summary(lapsed.body) ?? '', /timed out/);
});

test('no enumeration: unknown address, wrong password, disabled staff and an unaccepted invitation get the same words', async () => {
  await portal.services.admin.staff.invite({ email: 'invited.only@webstream.example', role: 'support' }, { actor: 'cli' });
  const disabled = await h.enrolledStaff('gone@webstream.example', 'support');
  await portal.services.admin.staff.disable((await portal.services.admin.staff.findByEmail(disabled.email))?.id ?? '', { actor: 'cli' });
  const attempts = [
    { email: 'nobody@webstream.example', password: STAFF_PASSWORD },
    { email: admin.email, password: 'Wrong-Password-1!' },
    { email: disabled.email, password: STAFF_PASSWORD },
    { email: 'invited.only@webstream.example', password: STAFF_PASSWORD },
  ];
  for (const [i, attempt] of attempts.entries()) {
    const { response, agent } = await h.passwordStep(attempt.email, { password: attempt.password, ip: `10.9.0.${i + 1}` });
    assert.equal(response.status, 401, attempt.email);
    assert.equal(summary(response.body), SIGN_IN_FAILED, attempt.email);
    assert.equal(agent.cookie('ws_admin_signin'), undefined, `${attempt.email}: no second step`);
  }
  const reasons = await portal.services.db.selectFrom('audit_events').select('details').where('event', '=', 'staff.sign_in.failed').execute();
  assert.deepEqual(
    reasons.map((r) => r.details.reason).sort(),
    ['not_enrolled', 'staff_disabled', 'unknown_staff', 'wrong_password'],
    'the audit log knows why, the page does not',
  );
});

test('sign-in is throttled like the customer sign-in: after 5 failures even the right password waits', async () => {
  const staff = await h.enrolledStaff('throttled@webstream.example', 'read-only');
  for (let i = 0; i < 5; i++) assert.equal((await h.passwordStep(staff.email, { password: 'Wrong-Password-2!', ip: '10.8.0.1' })).response.status, 401);
  const locked = await h.passwordStep(staff.email, { ip: '10.8.0.1' });
  assert.equal(locked.response.status, 429);
  assert.match(summary(locked.response.body) ?? '', /Too many sign-in attempts/);
  // An unknown address is locked the same way (the lock says nothing about who exists).
  for (let i = 0; i < 5; i++) await h.passwordStep('ghost@webstream.example', { password: 'Wrong-Password-2!', ip: '10.8.0.2' });
  assert.equal((await h.passwordStep('ghost@webstream.example', { ip: '10.8.0.2' })).response.status, 429);
  portal.clock.advance(2000);
  assert.equal((await h.passwordStep(staff.email, { ip: '10.8.0.1' })).response.status, 303, 'the lock ends by itself');
});

test('idle timeout: 30 minutes without a request ends the session; activity keeps it alive', async () => {
  const agent = await h.signedInStaff(admin);
  for (let i = 0; i < 3; i++) {
    portal.clock.advance(25 * MINUTE);
    assert.equal((await agent.get('/admin/')).status, 200, `still active after ${(i + 1) * 25} minutes of activity`);
  }
  portal.clock.advance(31 * MINUTE);
  const idle = await agent.get('/admin/');
  assert.equal(idle.status, 303);
  assert.equal(idle.location, '/admin/sign-in?notice=session-ended&next=%2Fadmin%2F');
  portal.clock.advance(MINUTE);
  assert.equal((await agent.get('/admin/')).status, 303, 'an idle session does not come back');
});

test('lifetime: a session ends 12 hours after sign-in however active it is', async () => {
  const agent = await h.signedInStaff(admin);
  for (let elapsed = 0; elapsed < 12 * HOUR - 20 * MINUTE; elapsed += 20 * MINUTE) {
    portal.clock.advance(20 * MINUTE);
    assert.equal((await agent.get('/admin/')).status, 200);
  }
  portal.clock.advance(21 * MINUTE);
  assert.equal((await agent.get('/admin/')).status, 303);
  // The database refuses a longer session whatever the code asks for.
  const [session] = await portal.services.db.selectFrom('staff_sessions').select(['staff_id', 'created_at']).limit(1).execute();
  assert.ok(session !== undefined);
  await assert.rejects(
    portal.services.db
      .insertInto('staff_sessions')
      .values({ token_hash: 'a'.repeat(64), staff_id: session.staff_id, created_at: session.created_at, expires_at: new Date(session.created_at.getTime() + 12 * HOUR + 1000), last_seen_at: session.created_at, ip: '127.0.0.1', user_agent: '' })
      .execute(),
    /check constraint/,
  );
});

test('sign-out ends this session on the server; sign-out everywhere ends them all', async () => {
  const one = await h.signedInStaff(admin);
  const token = one.cookie('ws_admin_session') ?? '';
  await one.get('/admin/');
  const out = await one.post('/admin/sign-out', {});
  assert.equal(out.status, 303);
  assert.equal(out.location, '/admin/sign-in?notice=signed-out');
  const replay = h.agentFor();
  replay.setCookie('ws_admin_session', token);
  assert.equal((await replay.get('/admin/')).status, 303, 'the old token opens nothing');

  const a = await h.signedInStaff(admin);
  const b = await h.signedInStaff(admin);
  await a.get('/admin/');
  const everywhere = await a.post('/admin/sign-out-everywhere', {});
  assert.equal(everywhere.status, 303);
  assert.equal((await a.get('/admin/')).status, 303);
  assert.equal((await b.get('/admin/')).status, 303, 'the other browser is signed out too');
  const events = (await h.staffAudit(`staff:${admin.email}`)).map((e) => e.event);
  assert.ok(events.includes('staff.sign_out') && events.includes('staff.signed_out_everywhere'), events.join());
});

test('a disabled staff member is signed out at once', async () => {
  const staff = await h.enrolledStaff('soon.gone@webstream.example', 'support');
  const agent = await h.signedInStaff(staff);
  assert.equal((await agent.get('/admin/')).status, 200);
  const id = (await portal.services.admin.staff.findByEmail(staff.email))?.id ?? '';
  await portal.services.admin.staff.disable(id, { actor: 'cli' });
  const after = await agent.get('/admin/');
  assert.equal(after.status, 303);
  assert.match(after.location ?? '', /^\/admin\/sign-in\?notice=session-ended/);
});

test('a customer session grants nothing under /admin, and a staff session nothing under /portal', async () => {
  const customer = await registeredAccount(portal, '818100000001');
  assert.equal((await customer.get('/portal/entitlements')).status, 200);
  const home = await customer.get('/admin/');
  assert.equal(home.status, 303);
  assert.match(home.location ?? '', /^\/admin\/sign-in/);
  assert.equal((await customer.get('/admin/staff')).status, 303);

  const staff = await h.signedInStaff(admin);
  const portalPage = await staff.get('/portal/entitlements');
  assert.equal(portalPage.status, 303);
  assert.match(portalPage.location ?? '', /^\/portal\/sign-in/);
  // Even a staff token put in the customer cookie's place opens nothing.
  const swapped = new FormAgent(portal.app);
  swapped.setCookie('ws_session', staff.cookie('ws_admin_session') ?? '');
  assert.equal((await swapped.get('/portal/entitlements')).status, 303);
  const swappedBack = new FormAgent(portal.app);
  swappedBack.setCookie('ws_admin_session', customer.cookie('ws_session') ?? '');
  assert.equal((await swappedBack.get('/admin/')).status, 303);
});

test('return to the page asked for, but only within the admin panel', async () => {
  const fresh = h.agentFor();
  await fresh.get('/admin/sign-in?next=%2Fadmin%2Fstaff');
  const step = await fresh.post('/admin/sign-in', { email: admin.email, password: STAFF_PASSWORD, next: '/admin/staff' });
  assert.equal(step.location, '/admin/sign-in/code?next=%2Fadmin%2Fstaff');
  await fresh.get('/admin/sign-in/code?next=%2Fadmin%2Fstaff');
  const done = await fresh.post('/admin/sign-in/code?next=%2Fadmin%2Fstaff', { code: h.nextCode(admin.secret) });
  assert.equal(done.location, '/admin/staff');
  for (const next of ['https://evil.example/', '//evil.example', '/portal/entitlements']) {
    const other = h.agentFor();
    await other.get('/admin/sign-in');
    const response = await other.post('/admin/sign-in', { email: admin.email, password: STAFF_PASSWORD, next });
    assert.equal(response.location, '/admin/sign-in/code', next);
  }
});

test('sign-ins and failures are audited with the staff member as actor', async () => {
  const events = await h.staffAudit(`staff:${admin.email}`);
  assert.ok(events.some((e) => e.event === 'staff.sign_in.succeeded' && e.details.secondStep === 'totp'));
  assert.ok(events.some((e) => e.event === 'staff.enrolled'));
});

test('behind https the staff cookies are prefixed and Secure: __Host- session, __Secure- second step scoped to the sign-in pages', async () => {
  const https = await createTestPortal({ env: { PUBLIC_URL: 'https://portal.example.com' } });
  try {
    const hs = staffHelpers(() => https);
    const staff = await hs.enrolledStaff('secure@webstream.example', 'admin');
    const { agent, response } = await hs.passwordStep(staff.email);
    assert.ok(agent.cookie('__Host-ws_admin_csrf') !== undefined, 'the admin CSRF cookie is its own, __Host- prefixed');
    const challenge = ([] as string[]).concat(response.headers['set-cookie'] ?? []).find((c) => c.startsWith('__Secure-ws_admin_signin='));
    assert.ok(challenge, String(response.headers['set-cookie']));
    assert.match(challenge, /; Path=\/admin\/sign-in/);
    assert.match(challenge, /; Secure/);
    await agent.get('/admin/sign-in/code');
    const done = await agent.post('/admin/sign-in/code', { code: hs.nextCode(staff.secret) });
    assert.equal(done.status, 303);
    const session = ([] as string[]).concat(done.headers['set-cookie'] ?? []).find((c) => c.startsWith('__Host-ws_admin_session='));
    assert.ok(session, String(done.headers['set-cookie']));
    for (const attribute of [/; Secure/, /; HttpOnly/, /; SameSite=Lax/, /; Path=\/(;|$)/]) assert.match(session, attribute);
    assert.doesNotMatch(session, /Domain=/i);
    assert.equal((await agent.get('/admin/')).status, 200);
  } finally {
    await https.close();
  }
});
