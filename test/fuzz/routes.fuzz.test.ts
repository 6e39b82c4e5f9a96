/**
 * Property-based fuzzing of every route (fast-check): bad forms, JSON, query strings, cookies, headers,
 * content types and paths, sent from browsers in every state (anonymous, with a CSRF token, signed in,
 * with MFA, half-way through the second step, back from AWS Marketplace). For every request:
 *   - no 5xx;
 *   - a 4xx says what was wrong (a page with text in its main content, or JSON with an error message);
 *   - a 4xx changes no table (a fingerprint of every table before and after; see table-checksums.ts for the
 *     refusal records that are allowed to change).
 * FUZZ_RUNS (default 10000) sets the number of requests, FUZZ_SEED replays a run (the seed is printed).
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { ManualClock } from '../../src/core/clock.js';
import { startEmulator, type Emulator } from '../../src/emulator/emulator.server.js';
import { createTestPortal, type TestPortal } from '../support/test-portal.js';
import { BROWSER_STATES, Browsers } from './browsers.js';
import { requestsTo, toWire, type RequestSpec } from './fuzz-request.js';
import { fuzzTargets, type FuzzTarget } from './route-list.js';
import { send, unexplained } from './send.js';
import { changedTables, TableChecksums, type Checksums } from './table-checksums.js';

const TOTAL_RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const SEED = process.env.FUZZ_SEED === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.FUZZ_SEED);
/** Field names no page may show in every state (the Marketplace token, SNS envelopes), beside those the pages show. */
const FIELD_NAMES = ['accountId', 'password', 'passwordConfirm', 'email', 'next', 'token', 'code', 'for', 'x-amzn-marketplace-token', 'Type', 'MessageId', 'TopicArn', 'Message', 'SigningCertURL', 'SignatureVersion', 'Signature'];

let emulator: Emulator;
let portal: TestPortal;
let browsers: Browsers;
let tables: TableChecksums;
let checksums: Checksums;

before(async () => {
  emulator = await startEmulator({ clock: new ManualClock(new Date()), httpsPort: false, notifications: 'none' });
  // The log is dropped: refused SNS messages are logged at warn level, thousands of times here.
  const logStream = new Writable({ write: (_chunk, _encoding, done) => done() });
  portal = await createTestPortal({ listen: true, logStream, env: { AWS_ENDPOINT_URL: emulator.url, MARKETPLACE_PRODUCT_CODE: emulator.productCode } });
  tables = new TableChecksums(portal.services.db, portal.config.databaseUrl);
  await tables.open();
  browsers = new Browsers(portal, emulator);
  await browsers.setUp();
});
after(async () => {
  await tables.close();
  await portal.close();
  await emulator.stop();
});

/** The form fields of every page the app shows, in every browser state: all of them, and per form action. */
async function formsOnPages(targets: FuzzTarget[]): Promise<{ names: string[]; byAction: Map<string, string[]> }> {
  const names = new Set(FIELD_NAMES);
  const byAction = new Map<string, string[]>();
  for (const { method, pattern } of targets) {
    if (method !== 'GET' || /[:*]/.test(pattern)) continue;
    for (const state of BROWSER_STATES) {
      const cookie = Object.entries(browsers.get(state).cookies).map(([k, v]) => `${k}=${v}`).join('; ');
      const page = await portal.app.inject({ method: 'GET', url: pattern, headers: { cookie } });
      for (const form of page.body.matchAll(/<form\b[^>]*?action="([^"?]*)[^>]*>([\s\S]*?)<\/form>/g)) {
        const fields = [...(form[2] ?? '').matchAll(/name="([^"]+)"/g)].map((m) => m[1] ?? '');
        for (const name of fields) names.add(name);
        const action = form[1] ?? '';
        byAction.set(action, [...new Set([...(byAction.get(action) ?? []), ...fields])]);
      }
    }
  }
  return { names: [...names].sort(), byAction };
}

/** Sends one fuzzed request and checks the three properties; accepted requests set the new baseline. */
async function fuzzOnce(spec: RequestSpec, sent: Map<number, number>): Promise<void> {
  const wire = toWire(spec, browsers.get(spec.state), browsers.get('form'), portal.config.publicUrl.origin);
  const response = await send(portal.app, portal.url, wire);
  sent.set(response.status, (sent.get(response.status) ?? 0) + 1);
  const after = await tables.take();
  const refused = response.status >= 400;
  try {
    const where = `${wire.method} ${wire.url.slice(0, 200)} → ${response.status}`;
    assert.ok(response.status < 500, `${where}: ${response.body.slice(0, 500)}`);
    if (refused) {
      const problem = unexplained(response, wire.method);
      assert.equal(problem, undefined, `${where} answered ${problem ?? ''}`);
      assert.deepEqual(changedTables(checksums, after), [], `${where}: a refused request changed tables`);
    }
  } finally {
    // A failure leaves whatever it wrote; while fast-check shrinks it, the next request starts from here.
    if (!refused || response.status >= 500 || changedTables(checksums, after).length > 0) {
      // An accepted post may have signed out, spent the challenge or the handshake: bring the states back.
      if (wire.method !== 'GET' && wire.method !== 'HEAD') await browsers.refresh();
      checksums = await tables.take();
    }
  }
}

test('fuzzing every route: no 5xx, every refusal says why and changes nothing', async (t) => {
  const targets = fuzzTargets(portal.app);
  const forms = await formsOnPages(targets);
  const runsPerTarget = Math.ceil(TOTAL_RUNS / targets.length);
  t.diagnostic(`FUZZ_SEED=${SEED} FUZZ_RUNS=${TOTAL_RUNS}: ${targets.length} targets, ${runsPerTarget} requests each`);
  const counts: string[] = [];
  let total = 0;
  for (const [index, target] of targets.entries()) {
    const sent = new Map<number, number>();
    const started = performance.now();
    await t.test(`${target.method} ${target.pattern}`, async () => {
      await browsers.refresh();
      checksums = await tables.take();
      await fc.assert(
        fc.asyncProperty(requestsTo(target, forms.names, forms.byAction.get(target.pattern) ?? []), (spec) => fuzzOnce(spec, sent)),
        { seed: SEED + index, numRuns: runsPerTarget, includeErrorInReport: true },
      );
    });
    const count = [...sent.values()].reduce((a, b) => a + b, 0);
    const statuses = [...sent].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`).join(' ');
    counts.push(`${String(count).padStart(6)}  ${target.method} ${target.pattern}  (${Math.round(performance.now() - started)} ms; ${statuses})`);
    total += count;
  }
  t.diagnostic('requests per route:');
  for (const line of counts) t.diagnostic(line);
  t.diagnostic(`${String(total).padStart(6)}  in total`);
});
