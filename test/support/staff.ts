/**
 * Helpers of the admin panel's tests (test/http/admin-*.test.ts): a staff member invited as the CLI does,
 * the invitation link read from the real SMTP inbox, the authenticator codes computed from the key the page
 * shows (as an app would), and the two-step staff sign-in.
 */
import assert from 'node:assert/strict';
import type { StaffRole } from '../../src/db/schema.js';
import { totpCodeAt } from '../../src/mfa/totp.js';
import { errorsOn, FormAgent, type AgentResponse } from './form-agent.js';
import type { TestPortal } from './test-portal.js';

export const STAFF_PASSWORD = 'Amber-Lantern-77';
export const STEP = 30_000;
export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const SIGN_IN_FAILED = 'The email address or password is incorrect.';

export interface EnrolledStaff {
  email: string;
  role: StaffRole;
  secret: string;
}

export function staffHelpers(current: () => TestPortal) {
  const agentFor = (ip = '127.0.0.1') => new FormAgent(current().app, current().config.publicUrl.origin, ip);

  /** The invitation (or TOTP reset) link of the newest such email to `to`, taken out of the inbox. */
  async function linkMailedTo(to: string, subject = /admin panel/): Promise<string> {
    await current().deliverMail();
    const mail = await current().inbox.waitFor(to, subject);
    current().inbox.messages.splice(current().inbox.messages.indexOf(mail), 1);
    const link = /(https?:\/\/\S+\/admin\/invitation\?token=[A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
    assert.ok(link !== undefined, mail.text);
    return new URL(link).pathname + new URL(link).search;
  }

  /** The key an invitation page shows, spaces removed. */
  function secretOn(body: string): string {
    const shown = /<code[^>]*id="totp-secret"[^>]*>([^<]+)<\/code>/.exec(body)?.[1];
    assert.ok(shown !== undefined, 'the key is shown as text');
    return shown.replace(/\s+/g, '');
  }

  const tokenOf = (path: string) => new URLSearchParams(path.split('?')[1]).get('token') ?? '';

  /** The current code of an app holding `secret`, after moving to the next 30-second step (a code is good once). */
  function nextCode(secret: string): string {
    current().clock.advance(STEP);
    return totpCodeAt(secret, current().clock.now());
  }

  /** Opens an invitation link and accepts it: a password and the authenticator; returns the key. */
  async function acceptInvitation(path: string, password = STAFF_PASSWORD, agent = agentFor()): Promise<string> {
    const page = await agent.get(path);
    assert.equal(page.status, 200, page.body.slice(0, 500));
    const secret = secretOn(page.body);
    const accepted = await agent.post('/admin/invitation', { token: tokenOf(path), password, passwordConfirm: password, code: totpCodeAt(secret, current().clock.now()) });
    assert.equal(accepted.status, 303, errorsOn(accepted.body).join(' | '));
    assert.equal(accepted.location, '/admin/sign-in?notice=enrolled');
    return secret;
  }

  /** A staff member invited (as `admin create` does) who accepted the invitation. */
  async function enrolledStaff(email: string, role: StaffRole): Promise<EnrolledStaff> {
    await current().services.admin.staff.invite({ email, role }, { actor: 'cli' });
    const secret = await acceptInvitation(await linkMailedTo(email));
    return { email, role, secret };
  }

  /** The password step in a fresh agent (or the one given). */
  async function passwordStep(email: string, options: { password?: string; ip?: string; agent?: FormAgent } = {}): Promise<{ agent: FormAgent; response: AgentResponse }> {
    const agent = options.agent ?? agentFor(options.ip);
    await agent.get('/admin/sign-in');
    const response = await agent.post('/admin/sign-in', { email, password: options.password ?? STAFF_PASSWORD });
    return { agent, response };
  }

  /** Both steps; returns the signed-in agent. */
  async function signedInStaff(staff: EnrolledStaff, options: { ip?: string; agent?: FormAgent } = {}): Promise<FormAgent> {
    const { agent, response } = await passwordStep(staff.email, options);
    assert.equal(response.status, 303, errorsOn(response.body).join(' | '));
    assert.equal(response.location, '/admin/sign-in/code');
    assert.equal((await agent.get('/admin/sign-in/code')).status, 200);
    const done = await agent.post('/admin/sign-in/code', { code: nextCode(staff.secret) });
    assert.equal(done.status, 303, errorsOn(done.body).join(' | '));
    assert.equal(done.location, '/admin/');
    return agent;
  }

  async function staffAudit(actor: string): Promise<{ event: string; actor: string; details: Record<string, unknown> }[]> {
    return current().services.db.selectFrom('audit_events').select(['event', 'actor', 'details']).where('actor', '=', actor).orderBy('id').execute();
  }

  return { agentFor, linkMailedTo, secretOn, tokenOf, nextCode, acceptInvitation, enrolledStaff, passwordStep, signedInStaff, staffAudit };
}
