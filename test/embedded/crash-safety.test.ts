/**
 * Crash safety: several clients write to a real `serve` process (embedded PostgreSQL, no SMTP: emails are
 * kept in the outbox) while the test kills the portal with -9 at random moments, and in some cycles the
 * embedded PostgreSQL too (postmaster and backends). After each restart every acknowledged write is there
 * whole and once, unacknowledged ones are whole or absent, and the portal is ready again.
 *
 * Writes: licence issues (in this process, through createServices borrowing the embedded server; acknowledged
 * when the promise resolves), registrations and sign-ins over HTTP (acknowledged by the 303 with a session cookie).
 *
 *   node --import tsx --test test/embedded/crash-safety.test.ts
 *   CRASH_CYCLES=100 CRASH_SEED=1234 node --import tsx --test test/embedded/crash-safety.test.ts   # a longer soak, or a replay
 */
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { after, test, type TestContext } from 'node:test';
import pg from 'pg';
import pino from 'pino';
import { loadConfig } from '../../src/config/config.js';
import { createServices, type Services } from '../../src/services.js';
import { freePort } from '../support/resources.js';
import { childPids, cleanUpAfter, embeddedUrl, freshDataDir, killHard, portalEnv, postmaster, processState, signal, sleep, startCli, waitFor, waitReady, within, type Cli } from '../support/portal-process.js';
import { GOOD_PASSWORD } from '../support/test-portal.js';

cleanUpAfter(after);

const CYCLES = Number(process.env.CRASH_CYCLES ?? 6);
const SEED = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CLIENTS = 4;
/** Every third cycle also kills PostgreSQL. */
const killsPostgres = (cycle: number) => cycle % 3 === 1;

/** mulberry32: small, seedable, good enough to pick delays and actions. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
const rand = random(SEED);

// ---------------------------------------------------------------------------------------------------------
// What the clients were told succeeded.

interface Registered {
  awsAccountId: string;
  email: string;
  sessionToken: string;
}
const acked = {
  licences: [] as { id: string; awsAccountId: string }[],
  registrations: [] as Registered[],
  signIns: [] as { awsAccountId: string; sessionToken: string }[],
};
const attempts = { licences: 0, registrations: 0, signIns: 0 };
/** Why writes went unacknowledged (HTTP status, or the error), for the figures. */
const refusals = new Map<string, number>();
const refused = (reason: string) => void refusals.set(reason, (refusals.get(reason) ?? 0) + 1);
let nextAccount = 700_000_000_000;

// ---------------------------------------------------------------------------------------------------------
// A client over HTTP: GET the form for its CSRF token and cookie, POST it as a same-origin browser would.

async function postForm(port: number, page: string, fields: Record<string, string>): Promise<string | undefined> {
  const base = `http://127.0.0.1:${port}`;
  // A different address per request: the per-address limits are not what this test is about.
  const ip = `10.${Math.floor(rand() * 250)}.${Math.floor(rand() * 250)}.${1 + Math.floor(rand() * 250)}`;
  const form = await fetch(`${base}${page}`, { headers: { 'x-forwarded-for': ip }, signal: AbortSignal.timeout(30_000) });
  const html = await form.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (form.status !== 200 || csrf === undefined) return refused(`GET ${page} ${form.status}`);
  const cookies = form.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
  const posted = await fetch(`${base}${page}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies, origin: `http://localhost:${port}`, 'sec-fetch-site': 'same-origin', 'x-forwarded-for': ip },
    body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
    signal: AbortSignal.timeout(30_000),
  });
  await posted.text();
  if (posted.status !== 303) return refused(`POST ${page} ${posted.status}`);
  const session = posted.headers.getSetCookie().find((line) => line.startsWith('ws_session='));
  return session?.split(';')[0]?.slice('ws_session='.length) || undefined;
}

const failed = (error: unknown) => refused(error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 80) : 'error');

/** One client: new customers (licence, then registration) and sign-ins of earlier ones, until told to stop. */
async function client(port: number, services: Services, stop: { now: boolean }): Promise<void> {
  while (!stop.now) {
    const registered = acked.registrations;
    if (registered.length > 0 && rand() < 0.5) {
      const account = registered[Math.floor(rand() * registered.length)] as Registered;
      attempts.signIns++;
      const token = await postForm(port, '/portal/sign-in', { accountId: account.awsAccountId, password: GOOD_PASSWORD }).catch(failed);
      if (token !== undefined) acked.signIns.push({ awsAccountId: account.awsAccountId, sessionToken: token });
      continue;
    }
    const awsAccountId = String(nextAccount++);
    attempts.licences++;
    const licence = await services.licences
      .create({ awsAccountId, plan: 'standard', seats: 5, source: 'direct', endsAt: null }, 'issue', { actor: 'crash-test', reason: 'crash-safety test' })
      .catch(failed);
    if (licence === undefined) continue;
    acked.licences.push({ id: licence.id, awsAccountId });
    const email = `crash-${awsAccountId}@example.com`;
    attempts.registrations++;
    const token = await postForm(port, '/portal/register', { accountId: awsAccountId, email, password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD }).catch(failed);
    if (token !== undefined) acked.registrations.push({ awsAccountId, email, sessionToken: token });
  }
}

// ---------------------------------------------------------------------------------------------------------
// Killing.

/** The postmaster and every backend and helper of it, with -9, as a crash of the whole server would. */
async function killPostgres(dataDir: string): Promise<void> {
  const server = await postmaster(dataDir);
  if (server === undefined) return;
  const family = [server.pid, ...(await childPids(server.pid))];
  for (const pid of family) signal(pid, 'SIGKILL');
  await waitFor(() => family.every((pid) => processState(pid) !== 'running'), 20_000, () => 'PostgreSQL processes survived SIGKILL');
}

// ---------------------------------------------------------------------------------------------------------
// Checking the database after a restart.

const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

async function verify(dataDir: string, cycle: number): Promise<void> {
  const db = new pg.Client({ connectionString: await embeddedUrl(dataDir) });
  await db.connect();
  const rows = async <T extends pg.QueryResultRow>(text: string, values: unknown[] = []) => (await db.query<T>(text, values)).rows;
  const where = `after restart ${cycle}`;
  try {
    // Every licence (acknowledged or not) is whole: exactly one "issue" transition; one licence per account.
    const brokenLicences = await rows(`select l.id from licences l left join licence_transitions t on t.licence_id = l.id and t.action = 'issue' group by l.id having count(t.id) <> 1`);
    assert.deepEqual(brokenLicences, [], `${where}: licences without exactly one issue transition`);
    const doubled = await rows(`select aws_account_id from licences group by aws_account_id having count(*) > 1`);
    assert.deepEqual(doubled, [], `${where}: an account holds two licences`);
    const licences = new Map((await rows<{ id: string; aws_account_id: string; status: string }>(`select id, aws_account_id, status from licences`)).map((r) => [r.id, r]));
    for (const licence of acked.licences) {
      const row = licences.get(licence.id);
      assert.ok(row !== undefined, `${where}: acknowledged licence ${licence.id} is missing`);
      assert.equal(row.aws_account_id, licence.awsAccountId);
      assert.equal(row.status, 'active');
    }

    // Every portal account (acknowledged or not) is whole: its audit entry, welcome email, verification link and a session, once each.
    const accounts = await rows<{ id: string; aws_account_id: string; email: string; audits: number; welcomes: number; links: number; sessions: number }>(`
      select a.id, a.aws_account_id, a.email,
        (select count(*) from audit_events e where e.event = 'account.registered' and e.aws_account_id = a.aws_account_id)::int as audits,
        (select count(*) from mail_outbox m where m.to_address = a.email and m.subject like 'Welcome%')::int as welcomes,
        (select count(*) from email_verification_tokens v where v.account_id = a.id)::int as links,
        (select count(*) from portal_sessions s where s.account_id = a.id)::int as sessions
      from portal_accounts a`);
    for (const account of accounts) {
      const whole = { audits: account.audits, welcomes: account.welcomes, links: account.links, hasSession: account.sessions >= 1 };
      assert.deepEqual(whole, { audits: 1, welcomes: 1, links: 1, hasSession: true }, `${where}: account ${account.aws_account_id} is not whole`);
    }
    const byAwsId = new Map(accounts.map((a) => [a.aws_account_id, a]));
    assert.equal(byAwsId.size, accounts.length, `${where}: two portal accounts for one AWS account ID`);

    // Acknowledged registrations and sign-ins: the account, and the session behind the very cookie the client got.
    const sessions = new Map((await rows<{ token_hash: string; account_id: string }>(`select token_hash, account_id from portal_sessions`)).map((r) => [r.token_hash, r.account_id]));
    for (const registration of acked.registrations) {
      const account = byAwsId.get(registration.awsAccountId);
      assert.ok(account !== undefined, `${where}: acknowledged registration of ${registration.awsAccountId} is missing`);
      assert.equal(account.email, registration.email);
      assert.equal(sessions.get(sha256(registration.sessionToken)), account.id, `${where}: the session of ${registration.awsAccountId}'s registration is missing`);
    }
    const signInsPerAccount = new Map<string, number>();
    for (const signIn of acked.signIns) {
      const account = byAwsId.get(signIn.awsAccountId);
      assert.ok(account !== undefined);
      assert.equal(sessions.get(sha256(signIn.sessionToken)), account.id, `${where}: the session of an acknowledged sign-in of ${signIn.awsAccountId} is missing`);
      signInsPerAccount.set(signIn.awsAccountId, (signInsPerAccount.get(signIn.awsAccountId) ?? 0) + 1);
    }
    const audited = await rows<{ aws_account_id: string; n: number }>(`select aws_account_id, count(*)::int as n from audit_events where event = 'sign_in.succeeded' group by aws_account_id`);
    const auditedPerAccount = new Map(audited.map((r) => [r.aws_account_id, r.n]));
    for (const [awsAccountId, n] of signInsPerAccount) {
      assert.ok((auditedPerAccount.get(awsAccountId) ?? 0) >= n, `${where}: ${awsAccountId} has ${n} acknowledged sign-ins but fewer audit entries`);
    }
    // A sign-in's session and its audit entry commit together: beyond the registration's own session, none goes unaudited.
    for (const account of accounts) {
      const unaudited = account.sessions - 1 - (auditedPerAccount.get(account.aws_account_id) ?? 0);
      assert.ok(unaudited <= 0, `${where}: ${account.aws_account_id} has ${unaudited} sessions without a sign-in audit entry`);
    }
  } finally {
    await db.end();
  }
}

// ---------------------------------------------------------------------------------------------------------

void test(`writes acknowledged before a kill -9 of the portal (and of PostgreSQL) survive it, whole and once (${CYCLES} cycles)`, { timeout: 90_000 + CYCLES * 30_000 }, async (t: TestContext) => {
  t.diagnostic(`crash-safety seed ${SEED}, ${CYCLES} cycles (replay: CRASH_SEED=${SEED} CRASH_CYCLES=${CYCLES})`);
  const dataDir = await freshDataDir();
  const port = await freePort();
  const env = portalEnv(dataDir, port, { TRUST_PROXY: 'true' });
  const config = loadConfig(env);
  const restarts: number[] = [];
  let postgresKills = 0;
  const startPortal = async (): Promise<Cli> => {
    const started = Date.now();
    const serve = await startCli(['serve'], env);
    await waitReady(serve, port, 90_000);
    restarts.push(Date.now() - started);
    return serve;
  };

  let serve = await startPortal();
  restarts.length = 0; // the first start (initdb) is not a restart
  for (let cycle = 1; cycle <= CYCLES; cycle++) {
    // The licence issuer borrows the running server, as a CLI command does.
    const services = await createServices(config, { role: 'command', migrate: false, logger: pino({ level: 'silent' }) });
    const stop = { now: false };
    const clients = Array.from({ length: CLIENTS }, () => client(port, services, stop));

    await sleep(300 + rand() * 2200);
    // The first kill ends the clients' loops; what is in flight then meets the kill(s).
    const portal = () => killHard(serve.pid);
    const postgres = () => killPostgres(dataDir);
    const kills = killsPostgres(cycle) ? (rand() < 0.5 ? [postgres, portal] : [portal, postgres]) : [portal];
    for (const kill of kills) {
      await kill();
      stop.now = true;
    }
    if (kills.length > 1) postgresKills++;
    await within(Promise.all(clients), 60_000, () => 'the clients did not stop');
    await services.close();

    serve = await startPortal();
    await verify(dataDir, cycle);
  }

  const sorted = [...restarts].sort((a, b) => a - b);
  const figures = [
    `${CYCLES} cycles, ${postgresKills} with PostgreSQL killed too`,
    `acknowledged: ${acked.licences.length}/${attempts.licences} licence issues, ${acked.registrations.length}/${attempts.registrations} registrations, ${acked.signIns.length}/${attempts.signIns} sign-ins`,
    `restart to ready: min ${sorted[0]} ms, median ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted.at(-1)} ms`,
    `unacknowledged because: ${[...refusals].map(([reason, n]) => `${reason} ×${n}`).join(', ')}`,
  ];
  for (const line of figures) t.diagnostic(line);
  assert.ok(acked.registrations.length > 0 && acked.signIns.length > 0, 'the clients got writes through');

  signal(serve.pid, 'SIGTERM');
  const { code } = await within(serve.exited, 30_000, () => `serve did not exit after SIGTERM:\n${serve.stderr()}`);
  assert.equal(code, 0, serve.stderr());
});
