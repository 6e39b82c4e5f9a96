/**
 * Helpers of the MFA tests (test/http/mfa-*.test.ts): codes computed from the key the page shows, as an app
 * would; emailed codes read from the real SMTP inbox; the password step and the second step.
 */
import assert from 'node:assert/strict';
import { totpCodeAt } from '../../src/mfa/totp.js';
import { registeredAccount } from './accounts.js';
import { errorsOn, FormAgent, type AgentResponse } from './form-agent.js';
import type { ReceivedMail } from './smtp.js';
import { GOOD_PASSWORD, type TestPortal } from './test-portal.js';

export const SECOND = 1000;
export const MINUTE = 60_000;
export const STEP = 30_000;
export const TIMED_OUT = 'This sign-in has timed out. Please sign in again.';
export const CODE_EMAIL = /^Your WebStream verification code$/;

/** The helpers, bound to the test file's portal (made in its before()). */
export function mfaHelpers(current: () => TestPortal) {
  /** The error summary of a page (the first of errorsOn). */
  const errorOf = (response: AgentResponse) => errorsOn(response.body)[0];

  /** Waits for a message to `to` whose subject matches and takes it out of the inbox (oldest first). */
  async function takeMail(to: string, subject: RegExp): Promise<ReceivedMail> {
    await current().deliverMail();
    const mail = await current().inbox.waitFor(to, subject);
    current().inbox.messages.splice(current().inbox.messages.indexOf(mail), 1);
    return mail;
  }

  /** The 6-digit code of the next verification email to `to`. */
  async function emailedCode(to: string): Promise<string> {
    const mail = await takeMail(to, CODE_EMAIL);
    const code = /^\s*(\d{6})\s*$/m.exec(mail.text)?.[1];
    assert.ok(code !== undefined, mail.text);
    return code;
  }

  /** After delivering, no message to `to` with a matching subject is in the inbox. */
  async function assertNoMail(to: string, subject: RegExp): Promise<void> {
    await current().deliverMail();
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(
      current().inbox.messages.filter((m) => m.to.includes(to) && subject.test(m.subject)).map((m) => m.subject),
      [],
    );
  }

  /** The current code of an authenticator app holding `secret`, after moving to the next 30-second step. */
  function nextTotp(secret: string): string {
    current().clock.advance(STEP);
    return totpCodeAt(secret, current().clock.now());
  }

  /** A 6-digit code that matches no step in the ±1 window around now. */
  function wrongTotp(secret: string): string {
    const now = current().clock.now().getTime();
    const valid = new Set([-1, 0, 1].map((d) => totpCodeAt(secret, new Date(now + d * STEP))));
    for (let n = 123456; ; n++) if (!valid.has(String(n))) return String(n);
  }

  function recoveryCodesOn(body: string): string[] {
    const list = /<ol class="recovery-codes"[^>]*>([\s\S]*?)<\/ol>/.exec(body)?.[1] ?? '';
    return [...list.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1] ?? '');
  }

  /** Starts authenticator set-up from Settings; returns the key the page shows, spaces removed. */
  async function startTotp(agent: FormAgent): Promise<string> {
    assert.equal((await agent.get('/portal/settings')).status, 200);
    const start = await agent.post('/portal/settings/mfa/totp/start', {});
    assert.equal(start.status, 303);
    assert.equal(start.location, '/portal/settings/mfa/totp');
    const page = await agent.get('/portal/settings/mfa/totp');
    assert.equal(page.status, 200);
    const shown = /<code[^>]*id="totp-secret"[^>]*>([^<]+)<\/code>/.exec(page.body)?.[1];
    assert.ok(shown !== undefined, 'the key is shown as text');
    assert.match(shown.trim(), /^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/, 'grouped by four for typing');
    return shown.replace(/\s+/g, '');
  }

  /** Turns the authenticator app on for a signed-in agent; returns the key and the recovery codes shown. */
  async function enableTotp(agent: FormAgent): Promise<{ secret: string; recoveryCodes: string[] }> {
    const secret = await startTotp(agent);
    const response = await agent.post('/portal/settings/mfa/totp', { code: totpCodeAt(secret, current().clock.now()) });
    assert.equal(response.status, 200, errorOf(response));
    return { secret, recoveryCodes: recoveryCodesOn(response.body) };
  }

  /** The password step in `agent` (a fresh one unless given). */
  async function passwordStep(accountId: string, options: { agent?: FormAgent; ip?: string; next?: string; password?: string } = {}) {
    const agent = options.agent ?? new FormAgent(current().app, current().config.publicUrl.origin, options.ip ?? '127.0.0.1');
    await agent.get('/portal/sign-in');
    const response = await agent.post('/portal/sign-in', { accountId, password: options.password ?? GOOD_PASSWORD, ...(options.next === undefined ? {} : { next: options.next }) });
    return { agent, response };
  }

  /** Password step that must lead to the second step. */
  async function challenged(accountId: string, options: Parameters<typeof passwordStep>[1] = {}): Promise<FormAgent> {
    const { agent, response } = await passwordStep(accountId, options);
    assert.equal(response.status, 303, errorOf(response));
    assert.equal(response.location, '/portal/sign-in/verify');
    assert.equal((await agent.get('/portal/sign-in/verify')).status, 200);
    return agent;
  }

  const verify = (agent: FormAgent, code: string) => agent.post('/portal/sign-in/verify', { code });

  async function accountRow(awsAccountId: string) {
    return current().services.db.selectFrom('portal_accounts').selectAll().where('aws_account_id', '=', awsAccountId).executeTakeFirstOrThrow();
  }

  async function auditEvents(awsAccountId: string): Promise<{ event: string; details: Record<string, unknown> }[]> {
    return current().services.db.selectFrom('audit_events').select(['event', 'details']).where('aws_account_id', '=', awsAccountId).orderBy('id').execute();
  }

  const signedIn = async (agent: FormAgent) => (await agent.get('/portal/entitlements')).status === 200;

  async function challengedOrSignedIn(accountId: string, ip: string): Promise<FormAgent> {
    const { agent, response } = await passwordStep(accountId, { ip });
    assert.equal(response.status, 303);
    assert.equal(response.location, '/portal/entitlements');
    return agent;
  }

  async function emailMfaAccount(account: string, email: string, ip: string): Promise<FormAgent> {
    const agent = await registeredAccount(current(), account, email, ip);
    await agent.get('/portal/settings');
    assert.equal((await agent.post('/portal/settings/mfa/email/start', {})).status, 200);
    assert.equal((await agent.post('/portal/settings/mfa/email', { code: await emailedCode(email) })).status, 200);
    await takeMail(email, /MFA was turned on/);
    return agent;
  }

  return { errorOf, takeMail, emailedCode, assertNoMail, nextTotp, wrongTotp, recoveryCodesOn, startTotp, enableTotp, passwordStep, challenged, verify, accountRow, auditEvents, signedIn, challengedOrSignedIn, emailMfaAccount };
}
