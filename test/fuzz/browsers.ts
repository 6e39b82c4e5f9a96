import assert from 'node:assert/strict';
import type { Emulator } from '../../src/emulator/emulator.server.js';
import { totpCodeAt } from '../../src/mfa/totp.js';
import { sessionCookieName } from '../../src/sessions/session.plugin.js';
import { registeredAccount } from '../support/accounts.js';
import { FormAgent } from '../support/form-agent.js';
import { GOOD_PASSWORD, issueLicence, type TestPortal } from '../support/test-portal.js';
import { forgetRefusalRecords } from './table-checksums.js';

/** The states a fuzzed request starts from; each reaches further past the guards than the one before. */
export const BROWSER_STATES = ['anonymous', 'form', 'signed-in', 'mfa-signed-in', 'mfa-pending', 'marketplace-link'] as const;
export type BrowserState = (typeof BROWSER_STATES)[number];

export interface Browser {
  cookies: Record<string, string>;
  /** A CSRF token valid with this browser's CSRF cookie (none for the anonymous browser). */
  csrfToken: string | undefined;
}

/** Account IDs the fuzzer may type: the signed-in ones, one licensed but unregistered, one unknown. */
export const ACCOUNTS = { plain: '210000000001', mfa: '210000000002', licensedOnly: '210000000003', unknown: '299999999999' };
/** The AWS account that subscribes on AWS Marketplace (its handshake lets the link page's forms work). */
const MARKETPLACE_BUYER = '230000000001';

/**
 * Real browsers in each state: a CSRF cookie and token from a form page, a signed-in session, a session
 * of an account with the authenticator app on, a sign-in waiting for its second step, and a buyer back
 * from AWS Marketplace holding a link handshake. `refresh` brings back any state a fuzzed request ended.
 */
export class Browsers {
  private readonly agents = new Map<BrowserState, FormAgent>();
  private totpSecret = '';

  constructor(
    private readonly portal: TestPortal,
    private readonly emulator: Emulator,
  ) {}

  async setUp(): Promise<void> {
    const { portal } = this;
    const form = new FormAgent(portal.app, portal.config.publicUrl.origin);
    await form.get('/portal/sign-in');
    this.agents.set('form', form);
    this.agents.set('signed-in', await registeredAccount(portal, ACCOUNTS.plain));
    const mfa = await registeredAccount(portal, ACCOUNTS.mfa);
    this.totpSecret = await enableTotp(portal, mfa);
    this.agents.set('mfa-signed-in', mfa);
    await issueLicence(portal, ACCOUNTS.licensedOnly);
    await this.refresh();
  }

  get(state: BrowserState): Browser {
    const agent = this.agents.get(state);
    if (agent === undefined) return { cookies: {}, csrfToken: undefined };
    const cookies: Record<string, string> = {};
    for (const name of ['ws_csrf', 'ws_session', 'ws_device', 'ws_signin', 'ws_mplink']) {
      const value = agent.cookie(name);
      if (value !== undefined) cookies[name] = value;
    }
    return { cookies, csrfToken: agent.csrfToken };
  }

  /** Brings back every state a fuzzed request ended (a sign-out, a spent challenge or handshake). */
  async refresh(): Promise<void> {
    const { portal } = this;
    const clockBefore = portal.clock.now().getTime();
    await forgetRefusalRecords(portal.services.db);
    // Accounts a fuzzed form registered go again, so the registration forms keep reaching their deepest checks.
    await portal.services.db.deleteFrom('portal_accounts').where('aws_account_id', 'in', [ACCOUNTS.licensedOnly, MARKETPLACE_BUYER]).execute();
    for (const state of ['signed-in', 'mfa-signed-in'] as const) {
      const token = this.agents.get(state)?.cookie(sessionCookieName(portal.config));
      if (token !== undefined && (await portal.services.sessions.validate(token, { ip: '127.0.0.1' })) !== undefined) continue;
      this.agents.set(state, await this.signIn(state === 'signed-in' ? ACCOUNTS.plain : ACCOUNTS.mfa, true));
    }
    const challenge = this.agents.get('mfa-pending')?.cookie('ws_signin');
    if (challenge === undefined || (await portal.services.signIn.pendingSignIn(challenge)) === undefined) this.agents.set('mfa-pending', await this.signIn(ACCOUNTS.mfa, false));
    const handshake = this.agents.get('marketplace-link')?.cookie('ws_mplink');
    if (handshake === undefined || !(await portal.services.marketplace.link.checkHandshake(handshake)).ok) this.agents.set('marketplace-link', await this.land());
    // A session not seen for a minute records the next request's visit; have that happen now, not during a fuzzed request.
    if (portal.clock.now().getTime() !== clockBefore) for (const state of ['signed-in', 'mfa-signed-in'] as const) await this.agents.get(state)?.get('/portal/entitlements');
  }

  /** Signs in through the forms; with MFA, `complete` also passes the second step with the app's next code. */
  private async signIn(accountId: string, complete: boolean): Promise<FormAgent> {
    const { portal } = this;
    const agent = new FormAgent(portal.app, portal.config.publicUrl.origin);
    await agent.get('/portal/sign-in');
    let response = await agent.post('/portal/sign-in', { accountId, password: GOOD_PASSWORD });
    if (response.status !== 303) {
      // A fuzzed form may have changed the password (current one right, new one valid): set it back.
      await portal.services.db.updateTable('portal_accounts').set({ password_hash: await portal.services.hasher.hash(GOOD_PASSWORD) }).where('aws_account_id', '=', accountId).execute();
      await forgetRefusalRecords(portal.services.db);
      response = await agent.post('/portal/sign-in', { accountId, password: GOOD_PASSWORD });
    }
    assert.equal(response.status, 303, `sign-in of ${accountId} for the fuzzer failed: ${response.body.slice(0, 300)}`);
    if (response.location === '/portal/sign-in/verify') {
      await agent.get('/portal/sign-in/verify');
      if (complete) {
        // Each TOTP step is good once: move to a fresh one.
        portal.clock.advance(30_000);
        const verified = await agent.post('/portal/sign-in/verify', { code: totpCodeAt(this.totpSecret, portal.clock.now()) });
        assert.equal(verified.status, 303, 'second step for the fuzzer failed');
      }
    }
    // A page of the signed-in state, for a CSRF token of its forms (and the session's last-seen touch, now).
    await agent.get(complete ? '/portal/settings' : '/portal/sign-in/verify');
    return agent;
  }

  /** A buyer just back from AWS Marketplace: a fresh subscription's token posted to the landing. */
  private async land(): Promise<FormAgent> {
    const { portal, emulator } = this;
    const { token } = emulator.state.marketplace.create({ awsAccountId: MARKETPLACE_BUYER, dimension: 'professional', quantity: 3, expiresAt: null });
    const agent = new FormAgent(portal.app, portal.config.publicUrl.origin);
    const landed = await agent.post('/marketplace/landing', { 'x-amzn-marketplace-token': token.token }, { origin: 'https://aws.amazon.com', 'sec-fetch-site': 'cross-site' });
    assert.equal(landed.status, 200, `landing for the fuzzer failed: ${landed.body.slice(0, 300)}`);
    await agent.get('/portal/marketplace/link');
    return agent;
  }
}

/** Turns the authenticator app on from Settings, as the MFA tests do; returns the key. */
async function enableTotp(portal: TestPortal, agent: FormAgent): Promise<string> {
  await agent.get('/portal/settings');
  await agent.post('/portal/settings/mfa/totp/start', {});
  const page = await agent.get('/portal/settings/mfa/totp');
  const secret = (/<code[^>]*id="totp-secret"[^>]*>([^<]+)<\/code>/.exec(page.body)?.[1] ?? '').replace(/\s+/g, '');
  const enabled = await agent.post('/portal/settings/mfa/totp', { code: totpCodeAt(secret, portal.clock.now()) });
  assert.equal(enabled.status, 200, 'turning on MFA for the fuzzer failed');
  return secret;
}
