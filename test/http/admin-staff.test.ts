/**
 * /admin/staff: every role sees the staff, only admins change them (read-only and support see no forms and
 * get the 403 page for every change); invitations, role changes, TOTP resets and disabling each need the admin's password again,
 * are refused for the admin's own account, keep at least one admin, and are audited with the admin as actor.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { errorsOn, type FormAgent } from '../support/form-agent.js';
import { STAFF_PASSWORD, staffHelpers, type EnrolledStaff } from '../support/staff.js';
import { createTestPortal, type TestPortal } from '../support/test-portal.js';

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

const idOf = async (email: string) => (await portal.services.db.selectFrom('staff_accounts').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
const ADMIN_ACTOR = 'staff:chief@webstream.example';

test('read-only and support staff see the staff without any form, and get the 403 page for every change', async () => {
  const target = await h.enrolledStaff('target@webstream.example', 'support');
  const targetId = await idOf(target.email);
  for (const role of ['read-only', 'support'] as const) {
    const staff = await h.enrolledStaff(`${role}@webstream.example`, role);
    const agent = await h.signedInStaff(staff);
    const home = await agent.get('/admin/');
    assert.equal(home.status, 200);
    assert.match(home.body, /href="\/admin\/staff"/, `${role}: the staff list is theirs to see`);
    for (const url of ['/admin/staff', `/admin/staff/${targetId}`]) {
      const page = await agent.get(url);
      assert.equal(page.status, 200, `${role} ${url}`);
      assert.match(page.body, /target@webstream\.example/);
      assert.doesNotMatch(page.body, /action="\/admin\/staff\/[^"]*(invite|role|disable|reset-totp|resend-invitation)"/, `${role}: the page hides what the role cannot do`);
    }
    const posts: [string, Record<string, string>][] = [
      ['/admin/staff/invite', { email: `sneaky-${role}@webstream.example`, role: 'admin', confirmPassword: STAFF_PASSWORD }],
      [`/admin/staff/${targetId}/role`, { role: 'admin', confirmPassword: STAFF_PASSWORD }],
      [`/admin/staff/${targetId}/disable`, { confirmPassword: STAFF_PASSWORD }],
      [`/admin/staff/${targetId}/reset-totp`, { confirmPassword: STAFF_PASSWORD }],
      [`/admin/staff/${targetId}/resend-invitation`, { confirmPassword: STAFF_PASSWORD }],
    ];
    for (const [url, fields] of posts) {
      const response = await agent.post(url, fields);
      assert.equal(response.status, 403, `${role} POST ${url}`);
      assert.match(response.body, /<title>Not allowed · WebStream Admin<\/title>/);
      assert.match(response.body, /Your role does not allow this/);
      assert.match(response.body, new RegExp(`${role}@webstream\\.example`), 'the 403 page keeps the staff member’s navigation');
    }
  }
  const untouched = await portal.services.admin.staff.find(targetId);
  assert.equal(untouched?.role, 'support');
  assert.equal(untouched.disabledAt, null);
  assert.equal(untouched.active, true);
  assert.equal(await portal.services.admin.staff.findByEmail('sneaky-support@webstream.example'), undefined);
});

test('signed out, /admin/staff sends to sign-in, and a change is not made', async () => {
  const agent = h.agentFor();
  const page = await agent.get('/admin/staff');
  assert.equal(page.status, 303);
  assert.equal(page.location, '/admin/sign-in?next=%2Fadmin%2Fstaff');
  await agent.get('/admin/sign-in');
  const post = await agent.post('/admin/staff/invite', { email: 'anon@webstream.example', role: 'admin', confirmPassword: STAFF_PASSWORD });
  assert.equal(post.status, 303);
  assert.equal(await portal.services.admin.staff.findByEmail('anon@webstream.example'), undefined);
});

test('an admin invites a staff member with their password re-entered; a wrong password changes nothing and says why', async () => {
  const list = await adminAgent.get('/admin/staff');
  assert.equal(list.status, 200);
  assert.match(list.body, /chief@webstream\.example/);
  assert.match(list.body, /<label for="invite-password">Your password<\/label>/);
  assert.match(list.body, /<label for="invite-role">Role<\/label>/);

  const wrong = await adminAgent.post('/admin/staff/invite', { email: 'helper@webstream.example', role: 'support', confirmPassword: 'Wrong-Password-3!' });
  assert.equal(wrong.status, 401);
  assert.equal(errorsOn(wrong.body)[0], 'That is not your current password.');
  assert.match(wrong.body, /<input id="invite-password"[^>]*autofocus[^>]*aria-invalid="true"/);
  assert.match(wrong.body, /value="helper@webstream\.example"/, 'what was typed is kept');
  assert.equal(await portal.services.admin.staff.findByEmail('helper@webstream.example'), undefined);

  const invalid = await adminAgent.post('/admin/staff/invite', { email: 'not-an-address', role: 'support', confirmPassword: STAFF_PASSWORD });
  assert.equal(invalid.status, 400);
  assert.match(invalid.body, /<input id="field-email"[^>]*autofocus[^>]*aria-invalid="true"/);

  const ok = await adminAgent.post('/admin/staff/invite', { email: 'helper@webstream.example', role: 'support', confirmPassword: STAFF_PASSWORD });
  assert.equal(ok.status, 303);
  assert.equal(ok.location, '/admin/staff?notice=staff-invited');
  const after = await adminAgent.get(ok.location);
  assert.match(after.body, /The invitation was emailed/);
  assert.match(after.body, /helper@webstream\.example<\/td><td data-label="Role">Support<\/td><td data-label="Status"><span class="status status-pending">Invited<\/span>/);
  await h.acceptInvitation(await h.linkMailedTo('helper@webstream.example'));

  const duplicate = await adminAgent.post('/admin/staff/invite', { email: 'Helper@WebStream.example', role: 'admin', confirmPassword: STAFF_PASSWORD });
  assert.equal(duplicate.status, 409);
  assert.ok(errorsOn(duplicate.body).some((e) => /already a staff account/.test(e)));

  const events = await h.staffAudit(ADMIN_ACTOR);
  assert.ok(events.some((e) => e.event === 'staff.created' && e.details.staffEmail === 'helper@webstream.example' && e.details.role === 'support'));
  assert.ok(events.some((e) => e.event === 'staff.password_check_failed'));
});

test('an admin changes a role, resets an authenticator and disables a staff member; each is audited with the admin as actor', async () => {
  const staff = await h.enrolledStaff('changing@webstream.example', 'read-only');
  const id = await idOf(staff.email);
  const theirs = await h.signedInStaff(staff);

  const page = await adminAgent.get(`/admin/staff/${id}`);
  assert.equal(page.status, 200);
  for (const form of ['role', 'reset-totp', 'disable']) assert.match(page.body, new RegExp(`<label for="${form}-password">Your password</label>`), form);

  const role = await adminAgent.post(`/admin/staff/${id}/role`, { role: 'support', confirmPassword: STAFF_PASSWORD });
  assert.equal(role.status, 303);
  assert.equal(role.location, `/admin/staff/${id}?notice=role-changed`);
  assert.equal((await portal.services.admin.staff.find(id))?.role, 'support');
  assert.match((await theirs.get('/admin/')).body, /<dd>Support<\/dd>/, 'the new role applies at the next request');

  const reset = await adminAgent.post(`/admin/staff/${id}/reset-totp`, { confirmPassword: STAFF_PASSWORD });
  assert.equal(reset.status, 303);
  assert.equal((await theirs.get('/admin/')).status, 303, 'their sessions ended');
  await h.linkMailedTo(staff.email, /Set up your authenticator again/);

  const wrong = await adminAgent.post(`/admin/staff/${id}/disable`, { confirmPassword: 'Wrong-Password-4!' });
  assert.equal(wrong.status, 401);
  assert.match(wrong.body, /<input id="disable-password"[^>]*autofocus[^>]*aria-invalid="true"/);
  assert.equal((await portal.services.admin.staff.find(id))?.disabledAt, null);
  const disabled = await adminAgent.post(`/admin/staff/${id}/disable`, { confirmPassword: STAFF_PASSWORD });
  assert.equal(disabled.status, 303);
  assert.notEqual((await portal.services.admin.staff.find(id))?.disabledAt, null);
  assert.match((await adminAgent.get(`/admin/staff/${id}`)).body, /This staff member is disabled/);

  const events = (await h.staffAudit(ADMIN_ACTOR)).filter((e) => e.details.staffEmail === staff.email);
  assert.deepEqual(
    events.map((e) => e.event),
    ['staff.role_changed', 'staff.totp_reset', 'staff.invitation_sent', 'staff.disabled'],
  );
  assert.deepEqual([events[0]?.details.from, events[0]?.details.to], ['read-only', 'support']);
});

test('an invitation not yet accepted can be sent again: the old link stops working, and it is audited', async () => {
  await adminAgent.post('/admin/staff/invite', { email: 'slow.starter@webstream.example', role: 'read-only', confirmPassword: STAFF_PASSWORD });
  const first = await h.linkMailedTo('slow.starter@webstream.example');
  const id = await idOf('slow.starter@webstream.example');
  const page = await adminAgent.get(`/admin/staff/${id}`);
  assert.match(page.body, /Send the invitation again/);
  assert.doesNotMatch(page.body, /Reset the authenticator/, 'nothing to reset before the invitation is accepted');
  const resent = await adminAgent.post(`/admin/staff/${id}/resend-invitation`, { confirmPassword: STAFF_PASSWORD });
  assert.equal(resent.status, 303);
  assert.match((await adminAgent.get(resent.location ?? '')).body, /A new invitation was emailed/);
  const second = await h.linkMailedTo('slow.starter@webstream.example');
  assert.equal((await h.agentFor().get(first)).status, 410);
  await h.acceptInvitation(second);
  const again = await adminAgent.post(`/admin/staff/${id}/resend-invitation`, { confirmPassword: STAFF_PASSWORD });
  assert.equal(again.status, 409);
  assert.match(errorsOn(again.body)[0] ?? '', /already accepted/);
  const sent = (await h.staffAudit(ADMIN_ACTOR)).filter((e) => e.event === 'staff.invitation_sent' && e.details.staffEmail === 'slow.starter@webstream.example');
  assert.equal(sent.length, 2);
});

test('an admin cannot change their own account, and the last admin cannot be demoted or disabled', async () => {
  const ownId = await idOf(admin.email);
  const own = await adminAgent.get(`/admin/staff/${ownId}`);
  assert.match(own.body, /This is your own account/);
  assert.doesNotMatch(own.body, /action="\/admin\/staff\/[^"]+\/disable"/);
  const selfDisable = await adminAgent.post(`/admin/staff/${ownId}/disable`, { confirmPassword: STAFF_PASSWORD });
  assert.equal(selfDisable.status, 409);
  assert.match(errorsOn(selfDisable.body)[0] ?? '', /cannot disable your own account/);

  // Only one enabled admin who can sign in (an invited one does not count): the CLI is refused too.
  await portal.services.admin.staff.invite({ email: 'pending.admin@webstream.example', role: 'admin' }, { actor: 'cli' });
  await assert.rejects(portal.services.admin.staff.changeRole(ownId, 'support', { actor: 'cli' }), /only enabled admin/);
  await assert.rejects(portal.services.admin.staff.disable(ownId, { actor: 'cli' }), /only enabled admin/);
  assert.equal((await portal.services.admin.staff.find(ownId))?.role, 'admin');
});

test('changes without the CSRF token, or from another origin, are refused', async () => {
  const staff = await h.enrolledStaff('csrf.target@webstream.example', 'support');
  const id = await idOf(staff.email);
  await adminAgent.get('/admin/staff');
  const forged = await adminAgent.post(`/admin/staff/${id}/disable`, { _csrf: 'forged', confirmPassword: STAFF_PASSWORD });
  assert.equal(forged.status, 403);
  assert.match(forged.body, /Form expired/);
  const crossSite = await adminAgent.post(`/admin/staff/${id}/disable`, { confirmPassword: STAFF_PASSWORD }, { origin: 'https://evil.example' });
  assert.equal(crossSite.status, 403);
  // A customer-context CSRF token is worthless here.
  assert.equal((await portal.services.admin.staff.find(id))?.disabledAt, null);
});

test('an unknown or malformed staff id answers the admin 404 or 400 page', async () => {
  assert.equal((await adminAgent.get('/admin/staff/00000000-0000-4000-8000-000000000000')).status, 404);
  assert.equal((await adminAgent.get('/admin/staff/not-a-uuid')).status, 400);
});

test('a forgotten password: an admin resets the password and authenticator; the link sets both, the old password no longer works', async () => {
  const staff = await h.enrolledStaff('forgetful@webstream.example', 'support');
  const id = await idOf(staff.email);
  const theirs = await h.signedInStaff(staff);
  const reset = await adminAgent.post(`/admin/staff/${id}/reset-access`, { confirmPassword: STAFF_PASSWORD });
  assert.equal(reset.status, 303);
  assert.equal(reset.location, `/admin/staff/${id}?notice=access-reset`);
  assert.equal((await theirs.get('/admin/')).status, 303, 'their sessions ended');
  const events = await portal.services.db.selectFrom('audit_events').selectAll().where('event', '=', 'staff.access_reset').execute();
  assert.equal(events.at(-1)?.actor, ADMIN_ACTOR);

  const link = await h.linkMailedTo(staff.email, /Choose a new password/);
  const page = await h.agentFor().get(link);
  assert.match(page.body, /<h1>Choose a new password<\/h1>/);
  assert.match(page.body, /label for="field-password">New password/);
  const newPassword = 'Copper-Meadow-93';
  await h.acceptInvitation(link, newPassword);
  const old = await h.passwordStep(staff.email);
  assert.equal(old.response.status, 401);
  const fresh = await h.passwordStep(staff.email, { password: newPassword });
  assert.equal(fresh.response.status, 303);
});
