/**
 * Staff invitations: the single-use link (24 hours) where a new staff member chooses a password and enrols
 * an authenticator before anything else; used, expired, replaced and unknown links get a clear page; the
 * key is sealed at rest and the link stored hashed; an admin's TOTP reset sends a re-enrolment link.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { totpCodeAt } from '../../src/mfa/totp.js';
import { hashToken } from '../../src/core/tokens.js';
import { errorsOn } from '../support/form-agent.js';
import { HOUR, STAFF_PASSWORD, staffHelpers } from '../support/staff.js';
import { createTestPortal, type TestPortal } from '../support/test-portal.js';

let portal: TestPortal;
const h = staffHelpers(() => portal);
before(async () => {
  portal = await createTestPortal();
});
after(() => portal.close());

const invite = (email: string, role: 'admin' | 'support' | 'read-only' = 'support') => portal.services.admin.staff.invite({ email, role }, { actor: 'cli' });
const staffRow = (email: string) => portal.services.db.selectFrom('staff_accounts').selectAll().where('email', '=', email).executeTakeFirstOrThrow();

test('the invitation page shows a QR code and the key; a password and a current code set the account up', async () => {
  await invite('New.Person@WebStream.example');
  const path = await h.linkMailedTo('new.person@webstream.example');
  const agent = h.agentFor();
  const page = await agent.get(path);
  assert.equal(page.status, 200);
  assert.equal(page.headers['cache-control'], 'no-store');
  assert.match(page.body, /<div class="qr" role="img" aria-label="[^"]+"><svg/);
  assert.match(page.body, /new\.person@webstream\.example · Support/);
  assert.match(page.body, /<label for="field-password">New password<\/label>/);
  const secret = h.secretOn(page.body);
  assert.equal(h.secretOn((await agent.get(path)).body), secret, 'a reload shows the same key');

  const row = await staffRow('new.person@webstream.example');
  assert.equal(row.password_hash, null, 'no password until the invitation is accepted');
  const pending = await portal.services.db.selectFrom('staff_invitations').select('pending_totp_secret_enc').where('staff_id', '=', row.id).executeTakeFirstOrThrow();
  assert.match(pending.pending_totp_secret_enc ?? '', /^v1\./, 'the key shown on the page is sealed at rest too');
  assert.ok(!(pending.pending_totp_secret_enc ?? '').includes(secret));
  const accepted = await agent.post('/admin/invitation', { token: h.tokenOf(path), password: STAFF_PASSWORD, passwordConfirm: STAFF_PASSWORD, code: totpCodeAt(secret, portal.clock.now()) });
  assert.equal(accepted.status, 303, errorsOn(accepted.body).join(' | '));
  assert.equal(accepted.location, '/admin/sign-in?notice=enrolled');
  assert.match((await agent.get(accepted.location)).body, /Your staff account is ready/);

  const enrolled = await staffRow('new.person@webstream.example');
  assert.ok(enrolled.password_hash?.startsWith('$argon2id$'));
  assert.ok(enrolled.totp_enrolled_at !== null);
  assert.match(enrolled.totp_secret_enc ?? '', /^v1\./, 'the key is sealed at rest');
  assert.ok(!(enrolled.totp_secret_enc ?? '').includes(secret));
  const invitations = await portal.services.db.selectFrom('staff_invitations').select(['token_hash', 'used_at']).where('staff_id', '=', enrolled.id).execute();
  assert.deepEqual(invitations.map((i) => i.token_hash), [hashToken(h.tokenOf(path))], 'only the hash of the link is stored');
  assert.ok(invitations[0]?.used_at !== null);

  // Signs in with what was just set up.
  await h.signedInStaff({ email: 'new.person@webstream.example', role: 'support', secret });
});

test('the link works once: opened or posted again, it says so plainly', async () => {
  await invite('once@webstream.example');
  const path = await h.linkMailedTo('once@webstream.example');
  await h.acceptInvitation(path);
  const again = await h.agentFor().get(path);
  assert.equal(again.status, 410);
  assert.match(again.body, /This link was already used/);
  const agent = h.agentFor();
  await agent.get('/admin/sign-in');
  const repost = await agent.post('/admin/invitation', { token: h.tokenOf(path), password: 'Other-Password-88!', passwordConfirm: 'Other-Password-88!', code: '123456' });
  assert.equal(repost.status, 410);
  assert.match(repost.body, /already used/);
});

test('a bad password, a mismatched confirmation or a wrong code keep the link open and say what is wrong', async () => {
  await invite('careful@webstream.example');
  const path = await h.linkMailedTo('careful@webstream.example');
  const agent = h.agentFor();
  const secret = h.secretOn((await agent.get(path)).body);
  const token = h.tokenOf(path);
  const weak = await agent.post('/admin/invitation', { token, password: 'password', passwordConfirm: 'password', code: totpCodeAt(secret, portal.clock.now()) });
  assert.equal(weak.status, 400);
  assert.match(weak.body, /<div class="error-summary" role="alert" tabindex="-1">Please correct the highlighted fields\.<\/div>/);
  assert.ok(errorsOn(weak.body).some((e) => /uppercase/.test(e)));
  assert.match(weak.body, /<input id="field-password"[^>]*autofocus[^>]*aria-invalid="true"/);
  assert.equal(h.secretOn(weak.body), secret, 'the same key is shown again');

  const mismatch = await agent.post('/admin/invitation', { token, password: STAFF_PASSWORD, passwordConfirm: `${STAFF_PASSWORD}x`, code: totpCodeAt(secret, portal.clock.now()) });
  assert.equal(mismatch.status, 400);
  assert.ok(errorsOn(mismatch.body).includes('The two passwords do not match.'));

  const wrongCode = await agent.post('/admin/invitation', { token, password: STAFF_PASSWORD, passwordConfirm: STAFF_PASSWORD, code: '000000' === totpCodeAt(secret, portal.clock.now()) ? '111111' : '000000' });
  assert.equal(wrongCode.status, 400);
  assert.ok(errorsOn(wrongCode.body).some((e) => /code is not correct/.test(e)));
  assert.equal((await staffRow('careful@webstream.example')).password_hash, null, 'nothing was saved');

  const ok = await agent.post('/admin/invitation', { token, password: STAFF_PASSWORD, passwordConfirm: STAFF_PASSWORD, code: totpCodeAt(secret, portal.clock.now()) });
  assert.equal(ok.status, 303);
});

test('an expired, a replaced or an unknown link gets a clear page, and a form without its CSRF token is refused', async () => {
  await invite('late@webstream.example');
  const path = await h.linkMailedTo('late@webstream.example');
  portal.clock.advance(24 * HOUR + 1000);
  const expired = await h.agentFor().get(path);
  assert.equal(expired.status, 410);
  assert.match(expired.body, /This link has expired/);

  // A new link (the reset sends the invitation again before it is accepted) replaces the old one.
  const id = (await staffRow('late@webstream.example')).id;
  await portal.services.admin.staff.resetTotp(id, { actor: 'cli' });
  const fresh = await h.linkMailedTo('late@webstream.example', /invited/);
  await portal.services.admin.staff.resetTotp(id, { actor: 'cli' });
  const newest = await h.linkMailedTo('late@webstream.example', /invited/);
  assert.equal((await h.agentFor().get(fresh)).status, 410, 'only the latest link works');
  assert.equal((await h.agentFor().get(newest)).status, 200);

  for (const url of ['/admin/invitation', '/admin/invitation?token=not-a-real-token']) {
    const unknown = await h.agentFor().get(url);
    assert.equal(unknown.status, 404, url);
    assert.match(unknown.body, /This link does not work/, url);
  }

  const agent = h.agentFor();
  await agent.get(newest);
  const forged = await agent.post('/admin/invitation', { _csrf: 'forged', token: h.tokenOf(newest), password: STAFF_PASSWORD, passwordConfirm: STAFF_PASSWORD, code: '123456' });
  assert.equal(forged.status, 403);
  assert.match(forged.body, /Form expired/);
});

test('an admin resets a staff member’s authenticator: sessions end, the old key stops working, a link sets up a new one after the password', async () => {
  const staff = await h.enrolledStaff('lost.phone@webstream.example', 'support');
  const agent = await h.signedInStaff(staff);
  const id = (await staffRow(staff.email)).id;
  await portal.services.admin.staff.resetTotp(id, { actor: 'staff:boss@webstream.example' });
  assert.equal((await agent.get('/admin/')).status, 303, 'signed out at once');

  const { response } = await h.passwordStep(staff.email);
  assert.equal(response.status, 401);
  assert.match(errorsOn(response.body)[0] ?? '', /Your authenticator was reset by an admin/);
  const wrongPassword = await h.passwordStep(staff.email, { password: 'Not-The-Password-1!', ip: '10.5.0.1' });
  assert.equal(errorsOn(wrongPassword.response.body)[0], 'The email address or password is incorrect.', 'only the right password learns of the reset');

  const path = await h.linkMailedTo(staff.email, /Set up your authenticator again/);
  const linkAgent = h.agentFor();
  const page = await linkAgent.get(path);
  assert.equal(page.status, 200);
  assert.match(page.body, /<label for="field-password">Current password<\/label>/);
  assert.doesNotMatch(page.body, /passwordConfirm/);
  const secret = h.secretOn(page.body);
  assert.notEqual(secret, staff.secret);
  const bad = await linkAgent.post('/admin/invitation', { token: h.tokenOf(path), password: 'Not-The-Password-1!', code: totpCodeAt(secret, portal.clock.now()) });
  assert.equal(bad.status, 401);
  assert.ok(errorsOn(bad.body).includes('That is not your current password.'));
  const good = await linkAgent.post('/admin/invitation', { token: h.tokenOf(path), password: STAFF_PASSWORD, code: totpCodeAt(secret, portal.clock.now()) });
  assert.equal(good.status, 303, errorsOn(good.body).join(' | '));

  // The old key no longer opens a session; the new one does.
  const { agent: old } = await h.passwordStep(staff.email);
  await old.get('/admin/sign-in/code');
  assert.equal((await old.post('/admin/sign-in/code', { code: h.nextCode(staff.secret) })).status, 401);
  await h.signedInStaff({ ...staff, secret });

  const events = await portal.services.db.selectFrom('audit_events').select(['event', 'actor', 'details']).where('event', 'in', ['staff.totp_reset', 'staff.enrolled']).execute();
  assert.ok(events.some((e) => e.event === 'staff.totp_reset' && e.actor === 'staff:boss@webstream.example' && e.details.staffEmail === staff.email && e.details.sessionsEnded === 1));
  assert.ok(events.some((e) => e.event === 'staff.enrolled' && e.actor === `staff:${staff.email}` && e.details.purpose === 'totp_reset'));
});

test('creating a staff account and sending its link are audited; an address is one account whatever its case', async () => {
  await invite('audited@webstream.example', 'read-only');
  await assert.rejects(invite('AUDITED@webstream.example'), /already a staff account/);
  const events = await portal.services.db.selectFrom('audit_events').select(['event', 'actor', 'details']).where('event', 'in', ['staff.created', 'staff.invitation_sent']).execute();
  assert.ok(events.some((e) => e.event === 'staff.created' && e.actor === 'cli' && e.details.staffEmail === 'audited@webstream.example' && e.details.role === 'read-only'));
  assert.ok(events.some((e) => e.event === 'staff.invitation_sent' && e.details.staffEmail === 'audited@webstream.example' && e.details.purpose === 'invite'));
  const mail = await portal.services.db.selectFrom('mail_outbox').select(['template', 'secret_expires_at', 'created_at']).where('to_address', '=', 'audited@webstream.example').executeTakeFirstOrThrow();
  assert.equal(mail.template, 'staff_invitation');
  assert.equal((mail.secret_expires_at?.getTime() ?? 0) - mail.created_at.getTime(), 24 * HOUR, 'the body is erased when the link expires');
});
