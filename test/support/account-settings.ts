/**
 * Steps the Settings journey tests share (test/http/account-settings-*.test.ts): signing in through the form
 * and asking whether a browser is still signed in.
 */
import assert from 'node:assert/strict';
import { FormAgent } from './form-agent.js';
import { GOOD_PASSWORD, type TestPortal } from './test-portal.js';

export const NEW_PASSWORD = 'Green-Teapot-77';

/**
 * The steps bound to a test file's portal. It takes a getter because the file builds its portal in before(),
 * after this runs at load time.
 */
export function settingsSteps(currentPortal: () => TestPortal) {
  /** Signs in through the form as a given browser; fails the test if no session was opened. */
  async function signedIn(accountId: string, password = GOOD_PASSWORD, options: { userAgent?: string; ip?: string } = {}): Promise<FormAgent> {
    const portal = currentPortal();
    const agent = new FormAgent(portal.app, portal.config.publicUrl.origin, options.ip ?? '127.0.0.1');
    const headers: Record<string, string> = options.userAgent === undefined ? {} : { 'user-agent': options.userAgent };
    await agent.get('/portal/sign-in', headers);
    const response = await agent.post('/portal/sign-in', { accountId, password }, headers);
    assert.equal(response.status, 303, `sign-in as ${accountId}: ${response.body.slice(0, 300)}`);
    assert.equal(response.location, '/portal/entitlements');
    return agent;
  }

  async function signInStatus(accountId: string, password: string): Promise<number> {
    const agent = new FormAgent(currentPortal().app);
    await agent.get('/portal/sign-in');
    return (await agent.post('/portal/sign-in', { accountId, password })).status;
  }

  async function isSignedIn(agent: FormAgent): Promise<boolean> {
    const response = await agent.get('/portal/entitlements');
    assert.ok(response.status === 200 || response.status === 303, `unexpected ${response.status}`);
    return response.status === 200;
  }

  async function auditEvents(awsAccountId: string): Promise<string[]> {
    const rows = await currentPortal().services.db.selectFrom('audit_events').select('event').where('aws_account_id', '=', awsAccountId).orderBy('id').execute();
    return rows.map((r) => r.event);
  }

  return { signedIn, signInStatus, isSignedIn, auditEvents };
}
