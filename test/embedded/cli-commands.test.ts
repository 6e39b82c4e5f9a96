/**
 * The portal's CLI as real processes on an embedded PostgreSQL server (DATABASE_URL unset) with no portal
 * running: commands that start a server for themselves and stop it after, `demo`, and argument and
 * configuration errors. The serving portal itself: serve-lifecycle.test.ts.
 *
 *   node --import tsx --test test/embedded/cli-commands.test.ts
 */
import path from 'node:path';
import assert from 'node:assert/strict';
import { test, after } from 'node:test';
import { freePort } from '../support/resources.js';
import { assertPostgresStopped, cleanUpAfter, exists, freshDataDir, portalEnv, runCli, startCli, waitForOutput, waitReady, within } from '../support/portal-process.js';

const ACCOUNT = '1234-5678-9012';

cleanUpAfter(after);

// ---------------------------------------------------------------------------------------------------------
// The CLI on its own starts a server for itself and stops it after.

void test('CLI without a running portal: migrate and licence list work and leave no PostgreSQL running', { timeout: 60_000 }, async () => {
  const dataDir = await freshDataDir();
  const env = portalEnv(dataDir, await freePort());

  // licence list brings the new database's schema up to date itself, then finds nothing.
  const listed = await runCli(['licence', 'list'], env);
  assert.equal(listed.code, 0, listed.stderr);
  assert.equal(listed.stdout, 'No licences yet. Issue one with: webstream-portal licence issue --account <id>\n');
  await assertPostgresStopped(dataDir);

  const migrated = await runCli(['migrate'], env);
  assert.equal(migrated.code, 0, migrated.stderr);
  assert.equal(migrated.stdout, 'The database schema is up to date.\n');
  await assertPostgresStopped(dataDir);
});

// ---------------------------------------------------------------------------------------------------------
// Arguments. None of these may touch DATA_DIR.

void test('demo starts the portal and the AWS emulator wired together: the buyer page posts to the portal, a subscription lands; SIGTERM stops both', { timeout: 90_000 }, async () => {
  const dataDir = await freshDataDir();
  const [port, emulatorPort] = [await freePort(), await freePort()];
  const demo = await startCli(['demo', '--port', String(port), '--emulator-port', String(emulatorPort)], portalEnv(dataDir, port));
  await waitReady(demo, port);
  await waitForOutput(demo, /AWS emulator: buyer page/);
  assert.match(demo.stderr(), new RegExp(`http://localhost:${port}/portal/sign-in`));
  assert.match(demo.stderr(), new RegExp(`http://127\\.0\\.0\\.1:${emulatorPort}/buyer`));

  // A buyer subscribes on the emulator; the page's form posts the token to this portal's fulfillment URL.
  const subscribed = await fetch(`http://127.0.0.1:${emulatorPort}/buyer/subscribe`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ awsAccountId: '3000-0000-0007', dimension: 'standard', quantity: '4', durationMonths: '12' }).toString(),
  });
  const page = await subscribed.text();
  assert.equal(subscribed.status, 200, page.slice(0, 500));
  const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
  assert.equal(action, `http://localhost:${port}/marketplace/landing`);
  const token = /name="x-amzn-marketplace-token" value="([^"]+)"/.exec(page)?.[1] ?? '';
  const landed = await fetch(`http://127.0.0.1:${port}/marketplace/landing`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: `http://127.0.0.1:${emulatorPort}`, 'sec-fetch-site': 'cross-site' },
    body: new URLSearchParams({ 'x-amzn-marketplace-token': token }).toString(),
    redirect: 'manual',
  });
  assert.equal(landed.status, 200, (await landed.text()).slice(0, 500));

  demo.child.kill('SIGTERM');
  const { code } = await within(demo.exited, 30_000, () => `demo did not exit after SIGTERM:\n${demo.stderr()}`);
  assert.equal(code, 0, demo.stderr());
  await assertPostgresStopped(dataDir);
  await assert.rejects(fetch(`http://127.0.0.1:${emulatorPort}/buyer`), 'the emulator stopped too');
});

void test('bad arguments exit non-zero with a clear message on stderr', { timeout: 60_000 }, async () => {
  const dataDir = path.join(await freshDataDir(), 'never-created');
  const env = portalEnv(dataDir, await freePort());
  const cases: [string[], RegExp][] = [
    [['licence', 'issue'], /required option '--account <id>' not specified/],
    [['licence', 'issue', '--account', '12345'], /--account <id>.*'12345' is invalid\. An AWS account ID has exactly 12 digits/],
    [['licence', 'issue', '--account', ACCOUNT, '--seats', '0'], /--seats <n>.*'0' is invalid\. Expected a whole number from 1 to 100000/],
    [['licence', 'issue', '--account', ACCOUNT, '--days', 'abc'], /--days <n>.*'abc' is invalid\. Expected a whole number from 1 to 36500/],
    [['account', 'create', '--account', '12345', '--email', 'ops@example.com'], /--account <id>.*'12345' is invalid\. An AWS account ID has exactly 12 digits/],
    [['account', 'create', '--account', ACCOUNT, '--email', 'ops-at-example'], /--email <address>.*'ops-at-example' is invalid\. Enter an email address like name@example\.com/],
    [['account', 'create', '--account', ACCOUNT], /required option '--email <address>' not specified/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['serve', 'extra'], /serve takes no arguments/],
  ];
  const results = await Promise.all(cases.map(([args]) => runCli(args, env)));
  results.forEach((result, i) => {
    const [args, message] = cases[i] ?? [[], /./];
    assert.notEqual(result.code, 0, `${args.join(' ')} should fail`);
    assert.match(result.stderr, message, `${args.join(' ')}: ${result.stderr}`);
    assert.equal(result.stdout, '', `${args.join(' ')} printed to stdout`);
  });
  assert.equal(await exists(dataDir), false, 'argument errors must not start anything');
});

void test('--help prints usage and exits 0 for the program and every command', { timeout: 60_000 }, async () => {
  const dataDir = path.join(await freshDataDir(), 'never-created');
  const env = portalEnv(dataDir, await freePort());
  const cases: [string[], string, RegExp[]][] = [
    [['--help'], 'webstream-portal [options] [command]', [/serve/, /migrate/, /licence/, /account/]],
    [['serve', '--help'], 'webstream-portal serve [options]', [/Start the portal/]],
    [['migrate', '--help'], 'webstream-portal migrate [options]', [/schema up to date/]],
    [['licence', '--help'], 'webstream-portal licence [options] [command]', [/issue/, /list/]],
    [['licence', 'issue', '--help'], 'webstream-portal licence issue [options]', [/--account <id>/, /--seats <n>/, /--days <n>/, /--plan <name>/]],
    [['licence', 'list', '--help'], 'webstream-portal licence list [options]', [/--account <id>/, /--json/]],
    [['account', '--help'], 'webstream-portal account [options] [command]', [/create/]],
    [['account', 'create', '--help'], 'webstream-portal account create [options]', [/--account <id>/, /--email <address>/, /one-time\s+password/]],
  ];
  const results = await Promise.all(cases.map(([args]) => runCli(args, env)));
  results.forEach((result, i) => {
    const [args, usage, mentions] = cases[i] ?? [[], '', []];
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    assert.ok(result.stdout.startsWith(`Usage: ${usage}\n`), `${args.join(' ')}: ${result.stdout}`);
    for (const mention of mentions) assert.match(result.stdout, mention, args.join(' '));
  });
  assert.equal(await exists(dataDir), false, '--help must not start anything');
});

// ---------------------------------------------------------------------------------------------------------
// Configuration errors are reported before anything starts, all at once.

void test('serve refuses an invalid configuration and lists every problem', { timeout: 60_000 }, async () => {
  const dataDir = path.join(await freshDataDir(), 'never-created');
  const external = 'postgres://portal:secret@127.0.0.1:1/webstream';
  const [noSecret, badPort, several] = await Promise.all([
    runCli(['serve'], portalEnv(dataDir, 3000, { DATABASE_URL: external })),
    runCli(['serve'], { ...portalEnv(dataDir, 3000), PORT: 'abc' }),
    runCli(['serve'], { ...portalEnv(dataDir, 3000, { DATABASE_URL: external }), PORT: 'abc', LOG_LEVEL: 'loud' }),
  ]);

  assert.notEqual(noSecret.code, 0);
  assert.match(noSecret.stderr, /Invalid configuration/);
  assert.match(noSecret.stderr, /SECRET_KEY is required when DATABASE_URL is set/);

  assert.notEqual(badPort.code, 0);
  assert.match(badPort.stderr, /PORT must be a port number between 0 and 65535, got "abc"/);

  assert.notEqual(several.code, 0);
  const problems = several.stderr.split('\n').filter((line) => line.startsWith('  - '));
  assert.equal(problems.length, 3, several.stderr);
  assert.match(several.stderr, /PORT must be/);
  assert.match(several.stderr, /SECRET_KEY is required/);
  assert.match(several.stderr, /LOG_LEVEL must be one of/);

  assert.equal(await exists(dataDir), false, 'an invalid configuration must not start anything');
});
