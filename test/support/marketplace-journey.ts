/**
 * The portal and the local AWS emulator wired for the Marketplace buyer journey tests (DESIGN.md §4 steps 1–5),
 * with the portal's log captured, and the helpers that land, provision and look at what was stored. Call
 * `useJourneyPortal()` once per file (each file gets its own emulator and portal), and end the file with
 * `test('no registration token ever reached the log', noTokenReachedTheLog)`.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, afterEach, before } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { startEmulator, type Emulator } from '../../src/emulator/emulator.server.js';
import type { FormAgent, AgentResponse } from './form-agent.js';
import { createTestPortal, type TestPortal } from './test-portal.js';

export const DAY = 86_400_000;
export const LINK = '/portal/marketplace/link';
export const LINK_COOKIE = 'ws_mplink';
/** What AWS's cross-site form post looks like: another site, no CSRF token, no portal cookies. */
export const FROM_AWS = { origin: 'https://aws.amazon.com', 'sec-fetch-site': 'cross-site' };

export let emulator: Emulator;
export let portal: TestPortal;
export const emulatorClock = new ManualClock(new Date());
const logLines: string[] = [];
export const tokensSeen: string[] = [];

export function useJourneyPortal(): void {
  before(async () => {
    emulator = await startEmulator({ clock: emulatorClock, httpsPort: false, notifications: 'none' });
    const logStream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    // The landing limit is tested on its own portal below; here many tests land from one address.
    portal = await createTestPortal({ env: { AWS_ENDPOINT_URL: emulator.url, MARKETPLACE_PRODUCT_CODE: emulator.productCode, MARKETPLACE_LANDINGS_PER_MINUTE: '10000', LOG_LEVEL: 'debug' }, logStream });
  });
  after(async () => {
    await portal.close();
    await emulator.stop();
  });
  afterEach(() => emulator.state.faults.clear());
}

export function subscribe(awsAccountId: string, options: { dimension?: string; quantity?: number; days?: number | null; productCode?: string } = {}) {
  const days = options.days === undefined ? 365 : options.days;
  const { subscription, token } = emulator.state.marketplace.create({
    awsAccountId,
    dimension: options.dimension ?? 'professional',
    quantity: options.quantity ?? 7,
    expiresAt: days === null ? null : new Date(emulatorClock.now().getTime() + days * DAY),
    ...(options.productCode === undefined ? {} : { productCode: options.productCode }),
  });
  tokensSeen.push(token.token);
  return { subscription, token: token.token };
}

export async function land(agent: FormAgent, token: string, extra: Record<string, string> = {}): Promise<AgentResponse> {
  return agent.post('/marketplace/landing', { 'x-amzn-marketplace-token': token, ...extra }, FROM_AWS);
}

export async function counts() {
  const count = async (table: 'marketplace_subscriptions' | 'marketplace_link_handshakes') => Number((await portal.services.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const audit = Number(
    (await portal.services.db.selectFrom('audit_events').select((eb) => eb.fn.countAll().as('n')).where('event', 'like', 'marketplace.%').executeTakeFirstOrThrow()).n,
  );
  return { subscriptions: await count('marketplace_subscriptions'), handshakes: await count('marketplace_link_handshakes'), audit };
}

export const subscriptionRow = (licenceArn: string) => portal.services.db.selectFrom('marketplace_subscriptions').selectAll().where('licence_arn', '=', licenceArn).executeTakeFirstOrThrow();
export const auditFor = (awsAccountId: string, event: string) =>
  portal.services.db.selectFrom('audit_events').selectAll().where('aws_account_id', '=', awsAccountId).where('event', '=', event).orderBy('id').execute();

/** Follows a 303 to the provisioning page, posts its form as the browser (or its script) would, and checks the redirect. */
export async function provision(agent: FormAgent, location: string | undefined): Promise<AgentResponse> {
  assert.match(location ?? '', /^\/portal\/marketplace\/provision\?subscription=[0-9a-f-]{36}$/);
  const progress = await agent.get(location ?? '');
  assert.equal(progress.status, 200);
  assert.match(progress.body, /Setting up your licence/);
  assert.match(progress.body, /<form method="post" action="\/portal\/marketplace\/provision" data-auto-submit>/);
  assert.match(progress.body, /<script src="\/assets\/auto-submit.js" defer><\/script>/);
  const subscription = /name="subscription" value="([^"]+)"/.exec(progress.body)?.[1] ?? '';
  return agent.post('/portal/marketplace/provision', { subscription });
}

/** The My Entitlements row of the licence whose plan is `plan`, as text. */
export function licenceRow(body: string, plan: string): string {
  const row = [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => (m[1] ?? '').replace(/<[^>]+>/g, '|').replace(/\|+/g, '|')).find((r) => r.includes(`|${plan}|`));
  assert.ok(row !== undefined, `no licence row for ${plan} in the page`);
  return row;
}

/** Every token a test was given (tokensSeen) is absent from the captured log, as it is and URL-encoded. */
export function noTokenReachedTheLog(): void {
  assert.ok(logLines.length > 0, 'the log was captured');
  const log = logLines.join('');
  for (const token of tokensSeen) {
    assert.ok(!log.includes(token) && !log.includes(encodeURIComponent(token)), 'a token is in the log');
  }
}
