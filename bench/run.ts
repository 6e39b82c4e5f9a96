/**
 * `npm run bench`: throughput of the portal's two hot pages, each as a ratio to a baseline measured in
 * the same run (the machines are noisy, absolute numbers are not comparable between runs).
 *
 *   1. POST /portal/sign-in (valid account, password, CSRF token, Origin) vs bare argon2id verifications
 *      (services.hasher.verify) at the same concurrency, in the same process. Target >= 90%.
 *   2. GET /portal/entitlements (signed in, 50 licences) vs a hello-world route on the same Fastify
 *      instance. Target >= 25%.
 *   3. POST /api/v1/licences/validate (bearer instance secret) vs the hello-world route, at 32 connections
 *      (BENCH_API_CONCURRENCY). Target >= 40%, and p99 under 10 ms.
 *   4. POST /api/v1/activations/{id}/heartbeat vs the hello-world route, same connections (no target: a write each).
 *   6. The admin dashboard (GET /admin/) and an audit-log page (GET /admin/audit, filtered and a page deep) over
 *      1 million audit rows (BENCH_AUDIT_ROWS), as a signed-in staff member, 2 connections (BENCH_ADMIN_CONCURRENCY:
 *      a few staff at work). Target: under 50 ms at p95; the table shows p99, which is stricter.
 *   5. Offline licence-file verification (createLicenceFileVerifier: JWS header, fast-jwt EdDSA signature check, claims
 *      against clock and instance) vs bare `crypto.verify` Ed25519 over the same bytes, one loop each, in
 *      this process (no server involved). Target >= 80%.
 *
 * Each comparison warms both sides up, then alternates them in A-B-B-A cycles of short rounds, so that
 * other work on the machine weighs on both sides alike; the table shows the ratio for each cycle too.
 * HTTP load comes from autocannon in one worker thread (bench/load-worker.ts), on loopback.
 *
 * Starts its own embedded PostgreSQL under a temporary directory (or, with BENCH_DATABASE_URL, creates a
 * scratch database there), serves on 127.0.0.1:<random port>, and removes everything at the end, also on
 * failure or Ctrl-C. Prints a table, writes bench/results/latest.json, and exits 0 whether or not targets
 * are met (1 only when the benchmark itself could not run).
 *
 * Knobs: BENCH_CONCURRENCY (8), BENCH_ROUND_SECONDS (2.5), BENCH_CYCLES (2), BENCH_WARMUP_SECONDS (2),
 * BENCH_ONLY (sign-in | entitlements | licence-api | licence-file | admin), BENCH_AUDIT_ROWS (1000000), BENCH_DATABASE_URL.
 */
import { createPublicKey, randomUUID, verify as verifySignature } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { loadConfig } from '../src/config/config.js';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { buildApp, type App } from '../src/app.js';
import { staffSessionCookieName } from '../src/admin/staff-cookies.js';
import { createLicenceFileVerifier } from '../src/licence-files/licence-file.verify.js';
import { totpCodeAt } from '../src/mfa/totp.js';
import { createServices, type Services } from '../src/services.js';
import { deviceCookieName, sessionCookieName } from '../src/sessions/session.plugin.js';
import { testIdentitySigner } from '../test/support/instance-identity.js';
import { createScratchDatabase } from '../test/support/resources.js';
import { compare, cpuMeter, httpWorkload, LoadGenerator, loopWorkload, type Aggregate, type Comparison } from './measure.js';

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

const CONCURRENCY = Math.round(numberFromEnv('BENCH_CONCURRENCY', 8));
/** Sign-in accounts, one per connection: the per-account throttle locks after 5 attempts in flight. */
const ACCOUNTS = 8;
const LICENCES_ON_PAGE = 50;
const WARMUP_SECONDS = numberFromEnv('BENCH_WARMUP_SECONDS', 2);
const ROUND_SECONDS = numberFromEnv('BENCH_ROUND_SECONDS', 2.5);
/** A-B-B-A cycles per comparison: 2 cycles of 2.5 s rounds = 10 s measured per side. */
const CYCLES = Math.round(numberFromEnv('BENCH_CYCLES', 2));
/** The licence API is measured at the connection count a fleet's traffic would keep open. */
const API_CONCURRENCY = Math.round(numberFromEnv('BENCH_API_CONCURRENCY', 32));
/** Instances heartbeating in turn: enough that none meets the per-instance limit (30 a minute) during the run. */
const BENCH_INSTANCES = Math.round(numberFromEnv('BENCH_INSTANCES', 1500));
/** BENCH_ONLY=sign-in, entitlements, licence-api or licence-file runs one comparison (e.g. under --cpu-prof). */
const ONLY = process.env.BENCH_ONLY;
const PASSWORD = 'Bench-Lantern-Orchard-42!';
const AUDIT_ROWS = Math.round(numberFromEnv('BENCH_AUDIT_ROWS', 1_000_000));
const SECRET_KEY = 'bench-secret-key-with-at-least-32-characters!!';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const log = (line: string) => process.stdout.write(`${line}\n`);

interface MemorySnapshot {
  phase: string;
  rssMiB: number;
  heapUsedMiB: number;
  /** Heap still in use after a full collection (needs --expose-gc): what the phase left behind. */
  heapAfterGcMiB: number | undefined;
  heapTotalMiB: number;
  externalMiB: number;
}

const memory: MemorySnapshot[] = [];
function snapshotMemory(phase: string): void {
  const m = process.memoryUsage();
  const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heapAfterGcMiB = gc === undefined ? undefined : mib(process.memoryUsage().heapUsed);
  memory.push({ phase, rssMiB: mib(m.rss), heapUsedMiB: mib(m.heapUsed), heapAfterGcMiB, heapTotalMiB: mib(m.heapTotal), externalMiB: mib(m.external) });
}

/** Everything started is pushed here and undone in reverse order, on success, failure or Ctrl-C. */
const cleanups: { name: string; run: () => Promise<void> }[] = [];
let cleaningUp: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaningUp ??= (async () => {
    for (const { name, run } of cleanups.reverse()) {
      try {
        await run();
      } catch (error) {
        process.stderr.write(`bench: cleanup "${name}" failed: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }
  })();
  return cleaningUp;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\nbench: ${signal}, cleaning up…\n`);
    void cleanUp().finally(() => process.exit(130));
  });
}

/** A PostgreSQL URL for a database this run owns: a fresh embedded server, or a scratch database on BENCH_DATABASE_URL. */
async function startDatabase(scratch: string): Promise<{ url: string; kind: string; postmasterPid: () => number | undefined }> {
  const baseUrl = process.env.BENCH_DATABASE_URL;
  if (baseUrl === undefined || baseUrl === '') {
    const dataDir = path.join(scratch, 'postgres');
    const server = await startEmbeddedPostgres({ dataDir, log: (m) => log(`  ${m}`) });
    cleanups.push({ name: 'stop embedded PostgreSQL', run: () => server.stop() });
    // First line of postmaster.pid: the server's PID (its backends are its children).
    const pidText = await fs.readFile(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').catch(() => '');
    const pid = Number(pidText.split('\n')[0]);
    return { url: server.url, kind: 'embedded PostgreSQL (temporary data directory)', postmasterPid: () => (Number.isInteger(pid) && pid > 0 ? pid : undefined) };
  }
  const database = await createScratchDatabase('wsp_bench', baseUrl);
  cleanups.push({ name: `drop database ${new URL(database.url).pathname.slice(1)}`, run: database.drop });
  return { url: database.url, kind: 'BENCH_DATABASE_URL (scratch database)', postmasterPid: () => undefined };
}

function awsAccountId(n: number): string {
  return `9${String(n).padStart(11, '0')}`;
}

async function createAccount(services: Services, id: string, licences: number): Promise<void> {
  for (let i = 0; i < licences; i++) {
    await services.licences.create({ awsAccountId: id, plan: i === 0 ? 'standard' : `plan-${i}`, seats: 5 + i, source: 'direct', endsAt: null }, 'issue', { actor: 'bench', reason: 'bench' });
  }
  await services.registration.register({ accountId: id, email: `bench-${id}@example.com`, password: PASSWORD, passwordConfirm: PASSWORD }, { ip: '127.0.0.1', userAgent: 'bench' });
}

function cookieValue(response: Response, name: string): string {
  for (const cookie of response.headers.getSetCookie()) {
    const [pair] = cookie.split(';');
    const eq = pair?.indexOf('=') ?? -1;
    if (pair !== undefined && eq > 0 && pair.slice(0, eq) === name) return pair.slice(eq + 1);
  }
  throw new Error(`The response set no ${name} cookie.`);
}

/** The CSRF cookie's name over plain http (app.ts: `__Host-ws_csrf` only behind https). */
const CSRF_COOKIE = 'ws_csrf';

/** What a browser holds after loading the sign-in page: the CSRF cookie and the form's token. */
async function fetchCsrf(baseUrl: string): Promise<{ cookie: string; token: string }> {
  const response = await fetch(`${baseUrl}/portal/sign-in`);
  if (response.status !== 200) throw new Error(`GET /portal/sign-in answered ${response.status}`);
  const html = await response.text();
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (token === undefined) throw new Error('The sign-in page has no CSRF token.');
  return { cookie: `${CSRF_COOKIE}=${cookieValue(response, CSRF_COOKIE)}`, token };
}

function signInRequest(baseUrl: string, csrf: { cookie: string; token: string }, accountId: string) {
  return {
    method: 'POST' as const,
    path: '/portal/sign-in',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrf.cookie, origin: baseUrl },
    body: new URLSearchParams({ _csrf: csrf.token, accountId, password: PASSWORD }).toString(),
  };
}

interface Row {
  metric: string;
  subject: Aggregate;
  baselineName: string;
  baseline: Aggregate;
  ratio: number;
  cycleRatios: number[];
  otherCpuShare: number | undefined;
  target: number;
  maxP99Ms: number | undefined;
  pass: boolean;
}

/** `maxP99Ms`: a latency target beside the ratio (the row passes only if both are met). */
function row(metric: string, baselineName: string, result: Comparison, target: number, maxP99Ms?: number): Row {
  const ratio = result.baseline.perSecond === 0 ? 0 : result.subject.perSecond / result.baseline.perSecond;
  return {
    metric,
    subject: result.subject,
    baselineName,
    baseline: result.baseline,
    ratio,
    cycleRatios: result.cycleRatios,
    otherCpuShare: result.otherCpuShare,
    target,
    maxP99Ms,
    pass: ratio >= target && result.subject.errors === 0 && (maxP99Ms === undefined || result.subject.p99Ms < maxP99Ms),
  };
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const num = (x: number) => x.toFixed(x >= 1000 ? 0 : 1);
/** autocannon measures in whole milliseconds: 0 means under 1 ms. */
const ms = (x: number) => (x === 0 ? '<1ms' : `${x.toFixed(x >= 100 ? 0 : 1)}ms`);

async function main(): Promise<void> {
  const started = Date.now();
  log(`WebStream portal benchmark · node ${process.version} · ${os.cpus().length} CPU(s) · concurrency ${CONCURRENCY} · ${CYCLES} A-B-B-A cycles of ${ROUND_SECONDS}s rounds`);
  const loadAtStart = os.loadavg();
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'wsp-bench-'));
  cleanups.push({ name: 'remove temp directory', run: () => fs.rm(scratch, { recursive: true, force: true }) });
  // As root the embedded server runs as the `postgres` user, which must be able to reach its data directory.
  await fs.chmod(scratch, 0o711);

  log('Starting the database…');
  const database = await startDatabase(scratch);
  const config = loadConfig({
    INSTANCE_IDENTITY_CERT_FILE: testIdentitySigner().certificateFile,
    DATABASE_URL: database.url,
    SECRET_KEY,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
    DATA_DIR: path.join(scratch, 'data'),
    PUBLIC_URL: 'http://127.0.0.1',
    HOST: '127.0.0.1',
    PORT: '0',
  });
  const services = await createServices(config);
  cleanups.push({ name: 'close services', run: () => services.close() });
  const app: App = await buildApp(services);
  // Baseline only: the cheapest route the same server (same plugins and hooks) can answer.
  app.get('/bench/hello', () => 'hello');
  cleanups.push({ name: 'close server', run: () => app.close() });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('The server has no TCP address.');
  const baseUrl = `http://127.0.0.1:${address.port}`;
  log(`Portal listening on ${baseUrl} (${database.kind})`);

  log(`Creating ${ACCOUNTS} accounts for sign-in and one with ${LICENCES_ON_PAGE} licences…`);
  const signInIds = Array.from({ length: ACCOUNTS }, (_, i) => awsAccountId(i + 1));
  for (const id of signInIds) await createAccount(services, id, 1);
  const pageId = awsAccountId(ACCOUNTS + 1);
  await createAccount(services, pageId, LICENCES_ON_PAGE);

  const csrf = await fetchCsrf(baseUrl);
  // Sanity: every account signs in over HTTP before we measure. Like a browser, each connection then
  // sends back the device cookie its first sign-in set (a browser signs in as a device it has used before).
  const signInRequests = [];
  for (const id of signInIds) {
    const first = signInRequest(baseUrl, csrf, id);
    const response = await fetch(`${baseUrl}${first.path}`, { method: 'POST', headers: first.headers, body: first.body, redirect: 'manual' });
    if (response.status !== 303) throw new Error(`Sign-in check answered ${response.status}, not 303: ${(await response.text()).slice(0, 300)}`);
    const device = `${deviceCookieName(config)}=${cookieValue(response, deviceCookieName(config))}`;
    signInRequests.push({ ...first, headers: { ...first.headers, cookie: `${csrf.cookie}; ${device}` } });
  }
  const pageSignIn = signInRequest(baseUrl, csrf, pageId);
  const signedIn = await fetch(`${baseUrl}/portal/sign-in`, { method: 'POST', headers: pageSignIn.headers, body: pageSignIn.body, redirect: 'manual' });
  if (signedIn.status !== 303) throw new Error(`Sign-in for the entitlements account answered ${signedIn.status}`);
  const sessionCookie = sessionCookieName(config);
  // What the browser sends: the CSRF cookie from the sign-in page and the session cookie.
  const pageCookies = `${csrf.cookie}; ${sessionCookie}=${cookieValue(signedIn, sessionCookie)}`;
  const page = await fetch(`${baseUrl}/portal/entitlements`, { headers: { cookie: pageCookies }, redirect: 'manual' });
  const pageHtml = await page.text();
  const tbody = /<tbody[^>]*>([\s\S]*?)<\/tbody>/.exec(pageHtml)?.[1] ?? '';
  const licenceRows = (tbody.match(/<tr[\s>]/g) ?? []).length;
  if (page.status !== 200 || licenceRows !== LICENCES_ON_PAGE) throw new Error(`The entitlements page answered ${page.status} with ${licenceRows} licence rows (expected 200 and ${LICENCES_ON_PAGE}):\n${pageHtml.slice(0, 1000)}`);
  const hello = await fetch(`${baseUrl}/bench/hello`);
  if (hello.status !== 200 || (await hello.text()) !== 'hello') throw new Error('The hello route does not answer.');
  log(`  entitlements page: ${pageHtml.length} bytes, ${licenceRows} licences`);
  snapshotMemory('after setup');

  const timing = { warmupSeconds: WARMUP_SECONDS, roundSeconds: ROUND_SECONDS, cycles: CYCLES };
  const meter = cpuMeter(database.postmasterPid);
  const load = new LoadGenerator();
  cleanups.push({ name: 'stop the load generator', run: () => load.close() });
  const hashToCheck = await services.hasher.hash(PASSWORD);

  const rows: Row[] = [];
  if (ONLY === undefined || ONLY === 'sign-in') {
    log(`\n[sign-in] POST /portal/sign-in vs bare argon2id verification (concurrency ${CONCURRENCY})`);
    const bareVerify = loopWorkload('bare hasher.verify', { concurrency: CONCURRENCY, operation: () => services.hasher.verify(hashToCheck, PASSWORD) });
    const signIn = httpWorkload('POST /portal/sign-in', load, { baseUrl, connections: CONCURRENCY, requests: signInRequests, expectStatus: 303, distribution: 'pinned' });
    rows.push(row('Sign-in (POST /portal/sign-in)', 'argon2id verify', await compare(bareVerify, signIn, timing, log, meter), 0.9));
    snapshotMemory('after sign-in phase');
  }
  if (ONLY === undefined || ONLY === 'entitlements') {
    log(`\n[entitlements] GET /portal/entitlements (${LICENCES_ON_PAGE} licences) vs hello-world on the same server (concurrency ${CONCURRENCY})`);
    const helloWorld = httpWorkload('GET /bench/hello', load, { baseUrl, connections: CONCURRENCY, requests: [{ method: 'GET', path: '/bench/hello' }], expectStatus: 200 });
    const entitlements = httpWorkload('GET /portal/entitlements', load, { baseUrl, connections: CONCURRENCY, requests: [{ method: 'GET', path: '/portal/entitlements', headers: { cookie: pageCookies } }], expectStatus: 200 });
    rows.push(row('My Entitlements (50 licences)', 'hello-world route', await compare(helloWorld, entitlements, timing, log, meter), 0.25));
    snapshotMemory('after entitlements phase');
  }

  if (ONLY === undefined || ONLY === 'licence-api') {
    log(`\nActivating ${BENCH_INSTANCES} instances on one licence…`);
    const apiAccount = awsAccountId(ACCOUNTS + 2);
    const licence = await services.licences.create({ awsAccountId: apiAccount, plan: 'fleet', seats: BENCH_INSTANCES, source: 'direct', endsAt: null }, 'issue', { actor: 'bench', reason: 'bench' });
    const fleet: { secret: string; activationId: string }[] = [];
    for (let i = 0; i < BENCH_INSTANCES; i++) {
      // Straight to the service: over HTTP the per-address limit (120 activations a minute) would throttle the set-up.
      const answer = await services.activations.activate({ proven: { accountId: apiAccount, instanceId: `i-${(i + 1).toString(16).padStart(17, '0')}`, region: 'eu-west-1' }, caller: undefined, ip: '127.0.0.1' });
      if (answer.instanceSecret === undefined) throw new Error('An instance got no secret.');
      fleet.push({ secret: answer.instanceSecret, activationId: answer.activation.id });
    }
    const bearer = (secret: string) => ({ authorization: `Bearer ${secret}`, 'content-type': 'application/json' });
    const validations = fleet.slice(0, 256).map((f) => ({ method: 'POST' as const, path: '/api/v1/licences/validate', headers: bearer(f.secret), body: JSON.stringify({ licenceId: licence.id }) }));
    const check = await fetch(`${baseUrl}${validations[0]?.path ?? ''}`, { method: 'POST', headers: validations[0]?.headers, body: validations[0]?.body });
    const checkBody = (await check.json()) as { code?: string };
    if (check.status !== 200 || checkBody.code !== 'valid') throw new Error(`The validation check answered ${check.status} ${JSON.stringify(checkBody)}`);
    const apiHello = httpWorkload('GET /bench/hello', load, { baseUrl, connections: API_CONCURRENCY, requests: [{ method: 'GET', path: '/bench/hello' }], expectStatus: 200 });
    log(`\n[licence-api] POST /api/v1/licences/validate vs hello-world (${API_CONCURRENCY} connections)`);
    const validate = httpWorkload('POST /api/v1/licences/validate', load, { baseUrl, connections: API_CONCURRENCY, requests: validations, expectStatus: 200 });
    rows.push(row('Licence validation (API)', 'hello-world route', await compare(apiHello, validate, timing, log, meter), 0.4, 10));
    log(`\n[licence-api] POST /api/v1/activations/{id}/heartbeat vs hello-world (${API_CONCURRENCY} connections)`);
    const heartbeats = fleet.map((f) => ({ method: 'POST' as const, path: `/api/v1/activations/${f.activationId}/heartbeat`, headers: { authorization: `Bearer ${f.secret}` } }));
    // Each instance on one connection only, so that none goes over its own limit (30 a minute) by bad luck.
    const heartbeat = httpWorkload('POST …/heartbeat', load, { baseUrl, connections: API_CONCURRENCY, requests: heartbeats, expectStatus: 200, distribution: 'sliced' });
    rows.push(row('Heartbeat (API, a write each)', 'hello-world route', await compare(apiHello, heartbeat, timing, log, meter), 0));
    snapshotMemory('after licence-api phase');
  }

  if (ONLY === undefined || ONLY === 'licence-file') {
    // What an instance does offline on every start and check: one file, the published key set.
    const fileLicence = await services.licences.create({ awsAccountId: awsAccountId(ACCOUNTS + 3), plan: 'standard', seats: 1, source: 'direct', endsAt: null }, 'issue', { actor: 'bench', reason: 'bench' });
    const instanceId = 'i-0bench0licence0f1';
    const issued = await services.licenceFiles.issue({ licence: fileLicence, instanceId, activationId: randomUUID(), graceSeconds: 7 * 86_400 });
    const keySet = await services.licenceFiles.jwks();
    const verifier = createLicenceFileVerifier(keySet);
    const first = verifier.verify(issued.token, { now: new Date(), instanceId });
    if (!first.ok) throw new Error(`The licence file does not verify: ${first.detail}`);
    const [header = '', payload = '', signature = ''] = issued.token.split('.');
    const signingInput = Buffer.from(`${header}.${payload}`);
    const signatureBytes = Buffer.from(signature, 'base64url');
    const jwk = keySet.keys.find((k) => k.kid === issued.kid);
    if (jwk === undefined) throw new Error('The signing key is not in the key set.');
    const publicKey = createPublicKey({ key: jwk, format: 'jwk' });
    log('\n[licence-file] offline licence-file verification vs bare crypto.verify Ed25519 (one loop each, in process)');
    const bare = loopWorkload('bare crypto.verify Ed25519', { concurrency: 1, operation: () => Promise.resolve(verifySignature(null, signingInput, publicKey, signatureBytes)) });
    const full = loopWorkload('licence file verify', { concurrency: 1, operation: () => Promise.resolve(verifier.verify(issued.token, { now: new Date(), instanceId }).ok) });
    rows.push(row('Licence file verification (offline)', 'crypto.verify Ed25519', await compare(bare, full, timing, log, meter), 0.8));
    snapshotMemory('after licence-file phase');
  }

  if (ONLY === undefined || ONLY === 'admin') {
    log(`\nFilling the audit log with ${AUDIT_ROWS.toLocaleString('en-GB')} entries over 90 days…`);
    const filled = Date.now();
    // One statement: events, actors and accounts in realistic proportions, newest now.
    await sql`
      insert into audit_events (at, event, actor, aws_account_id, ip, details)
      select now() - (g * interval '90 days' / ${AUDIT_ROWS}),
             (array['sign_in.succeeded','sign_in.succeeded','sign_in.succeeded','sign_in.failed','activation.created','licence.transition','session.ended','settings.changed'])[1 + g % 8],
             case when g % 8 = 7 then 'staff:bench@webstream.example' when g % 8 = 4 then 'instance:i-' || lpad(to_hex(g % 5000), 17, '0') else 'account:' || lpad((100000000000 + g % 2001)::text, 12, '0') end,
             lpad((100000000000 + g % 2001)::text, 12, '0'),
             '198.51.100.' || (g % 250),
             jsonb_build_object('n', g)
      from generate_series(1, ${AUDIT_ROWS}) g`.execute(services.db);
    await sql`vacuum analyze audit_events`.execute(services.db);
    log(`  done in ${((Date.now() - filled) / 1000).toFixed(1)} s`);

    // A staff member through the real steps: invitation (its link from the outbox), password and TOTP, sign-in.
    const staffEmail = 'bench-admin@webstream.example';
    await services.admin.staff.invite({ email: staffEmail, role: 'admin' }, { actor: 'bench' });
    const messages = await services.mailer.listMessages(10);
    const invitation = await services.mailer.readMessage(messages.find((m) => m.to === staffEmail)?.id ?? '');
    const token = /invitation\?token=([A-Za-z0-9_-]+)/.exec(invitation?.text ?? '')?.[1];
    if (token === undefined) throw new Error('No invitation link in the outbox.');
    const opened = await services.admin.staff.invitationPage(token);
    if (!opened.ok) throw new Error('The invitation does not open.');
    const secret = opened.invitation.secret;
    const client = { ip: '127.0.0.1', userAgent: 'bench' };
    await services.admin.staff.acceptInvitation(token, { password: PASSWORD, passwordConfirm: PASSWORD, code: totpCodeAt(secret, new Date()) }, client);
    const challenge = await services.admin.signIn.signIn({ email: staffEmail, password: PASSWORD }, client);
    // The next 30-second step: a code is good once, and enrolment used this one.
    const session = await services.admin.signIn.completeSignIn(challenge.token, totpCodeAt(secret, new Date(Date.now() + 30_000)), client);
    if (!session.ok) throw new Error(`Staff sign-in failed: ${session.message}`);
    const staffCookie = `${staffSessionCookieName(config)}=${session.token}`;
    const dashboardPage = await fetch(`${baseUrl}/admin/`, { headers: { cookie: staffCookie }, redirect: 'manual' });
    if (dashboardPage.status !== 200) throw new Error(`The dashboard answered ${dashboardPage.status}`);
    // An audit page as staff look for things: one account's sign-ins, a few pages deep.
    let auditPath = '/admin/audit?event=sign_in.&account=1000-0000-0042';
    for (let i = 0; i < 3; i++) {
      const page = await fetch(`${baseUrl}${auditPath}`, { headers: { cookie: staffCookie } });
      const nextHref = /href="(\/admin\/audit\?[^"]*after=[^"]+)"[^>]*rel="next"/.exec(await page.text())?.[1]?.replace(/&amp;/g, '&');
      if (page.status !== 200 || nextHref === undefined) throw new Error(`The audit page answered ${page.status} without a next page`);
      auditPath = nextHref;
    }
    const ADMIN_CONNECTIONS = Math.round(numberFromEnv('BENCH_ADMIN_CONCURRENCY', 2));
    const adminHello = httpWorkload('GET /bench/hello', load, { baseUrl, connections: ADMIN_CONNECTIONS, requests: [{ method: 'GET', path: '/bench/hello' }], expectStatus: 200 });
    log(`\n[admin] GET /admin/ (dashboard) vs hello-world (${ADMIN_CONNECTIONS} connections: staff at work, not a load test)`);
    const dashboardLoad = httpWorkload('GET /admin/', load, { baseUrl, connections: ADMIN_CONNECTIONS, requests: [{ method: 'GET', path: '/admin/', headers: { cookie: staffCookie } }], expectStatus: 200 });
    rows.push(row(`Admin dashboard (${(AUDIT_ROWS / 1e6).toFixed(1)} M audit rows)`, 'hello-world route', await compare(adminHello, dashboardLoad, timing, log, meter), 0, 50));
    log(`\n[admin] GET ${auditPath.slice(0, 60)}… (page 4) vs hello-world (${ADMIN_CONNECTIONS} connections)`);
    const auditLoad = httpWorkload('GET /admin/audit', load, { baseUrl, connections: ADMIN_CONNECTIONS, requests: [{ method: 'GET', path: auditPath, headers: { cookie: staffCookie } }], expectStatus: 200 });
    rows.push(row('Audit log page 4, filtered', 'hello-world route', await compare(adminHello, auditLoad, timing, log, meter), 0, 50));
    const firstPage = httpWorkload('GET /admin/audit (newest)', load, { baseUrl, connections: ADMIN_CONNECTIONS, requests: [{ method: 'GET', path: '/admin/audit', headers: { cookie: staffCookie } }], expectStatus: 200 });
    rows.push(row('Audit log newest page, unfiltered', 'hello-world route', await compare(adminHello, firstPage, timing, log, meter), 0, 50));
    snapshotMemory('after admin phase');
  }

  log('\nResults (ratio = subject req/s ÷ baseline req/s, measured interleaved in this run)\n');
  log(
    table(
      ['metric', 'req/s', 'p50', 'p99', 'errors', 'SQL/req', 'baseline', 'baseline/s', 'b.p50', 'b.p99', 'ratio', 'per cycle', 'target', 'result'],
      rows.map((r) => [
        r.metric,
        num(r.subject.perSecond),
        ms(r.subject.p50Ms),
        ms(r.subject.p99Ms),
        String(r.subject.errors),
        r.subject.queriesPerOp.toFixed(1),
        r.baselineName,
        num(r.baseline.perSecond),
        ms(r.baseline.p50Ms),
        ms(r.baseline.p99Ms),
        pct(r.ratio),
        r.cycleRatios.map((x) => pct(x)).join(' '),
        `>= ${pct(r.target)}${r.maxP99Ms === undefined ? '' : `, p99 < ${r.maxP99Ms}ms`}`,
        r.pass ? 'PASS' : 'FAIL',
      ]),
    ),
  );
  for (const r of rows) {
    if (r.subject.errors > 0) log(`\n  ${r.metric}: ${r.subject.errors} errors; status codes ${JSON.stringify(r.subject.statusCodes)}`);
  }
  const busy = rows.filter((r) => r.otherCpuShare !== undefined && r.otherCpuShare > 0.1);
  log(`\nOther processes on this machine used ${rows.map((r) => `${r.otherCpuShare === undefined ? 'n/a' : pct(r.otherCpuShare)} of the CPU during ${r.metric}`).join(', ')}; load average ${loadAtStart.map((x) => x.toFixed(1)).join(' ')} at start.`);
  if (busy.length > 0) log('  NOTE: the machine was shared with other work: absolute req/s are depressed; the interleaved ratios are what to compare, and the per-cycle spread shows how much to trust them.');
  log('\nMemory of this Node process (server and load generators; PostgreSQL runs separately), taken after each phase\n');
  log(
    table(
      ['phase', 'RSS', 'heap used', 'heap after GC', 'heap total', 'external'],
      memory.map((m) => [m.phase, `${m.rssMiB} MiB`, `${m.heapUsedMiB} MiB`, m.heapAfterGcMiB === undefined ? 'n/a' : `${m.heapAfterGcMiB} MiB`, `${m.heapTotalMiB} MiB`, `${m.externalMiB} MiB`]),
    ),
  );
  const failed = rows.filter((r) => !r.pass);
  log(failed.length === 0 ? '\nAll targets met.' : `\nTARGET MISSED: ${failed.map((r) => `${r.metric} at ${pct(r.ratio)} (target ${pct(r.target)}${r.subject.errors > 0 ? `, ${r.subject.errors} errors` : ''})`).join('; ')}`);

  const report = {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    loadAverageAtStart: loadAtStart,
    loadAverageAtEnd: os.loadavg(),
    cycles: CYCLES,
    database: database.kind,
    concurrency: CONCURRENCY,
    warmupSeconds: WARMUP_SECONDS,
    roundSeconds: ROUND_SECONDS,
    results: rows.map((r) => ({
      metric: r.metric,
      requestsPerSecond: r.subject.perSecond,
      p50Ms: r.subject.p50Ms,
      p99Ms: r.subject.p99Ms,
      errors: r.subject.errors,
      sqlStatementsPerRequest: r.subject.queriesPerOp,
      statusCodes: r.subject.statusCodes,
      rounds: r.subject.rounds,
      baseline: r.baselineName,
      baselinePerSecond: r.baseline.perSecond,
      baselineP50Ms: r.baseline.p50Ms,
      baselineP99Ms: r.baseline.p99Ms,
      baselineRounds: r.baseline.rounds,
      ratio: r.ratio,
      cycleRatios: r.cycleRatios,
      otherCpuShare: r.otherCpuShare,
      target: r.target,
      pass: r.pass,
    })),
    memory,
    elapsedSeconds: (Date.now() - started) / 1000,
  };
  const resultsDir = path.join(benchDir, 'results');
  await fs.mkdir(resultsDir, { recursive: true });
  await fs.writeFile(path.join(resultsDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  log(`\nWrote ${path.relative(process.cwd(), path.join(resultsDir, 'latest.json'))} · ${report.elapsedSeconds.toFixed(0)}s in all`);
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  exitCode = 1;
} finally {
  await cleanUp();
}
process.exit(exitCode);
