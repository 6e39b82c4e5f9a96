/**
 * `webstream-portal instance …` end to end, as real processes: an EC2 instance made on the AWS emulator, its
 * identity read through the emulator's IMDSv2, a portal (listening, on PostgreSQL) that trusts the emulator's
 * certificate, and the state directory the instance keeps between commands.
 *
 *   node --import tsx --test test/cli/instance-journey.test.ts
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { control, emulator, useEmulator } from '../support/emulator.js';
import { FormAgent } from '../support/form-agent.js';
import { createTestPortal, type TestPortal } from '../support/test-portal.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
useEmulator();

let started: TestPortal | undefined;
let workDir: string;
// Root-level before hooks do not wait for one another, so the portal starts once the emulator (and its certificate) is up.
async function portalReady(): Promise<TestPortal> {
  started ??= await createTestPortal({ listen: true, env: { INSTANCE_IDENTITY_CERT_FILE: emulator.imdsCertificateFile } });
  return started;
}
before(async () => {
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'wsp-instance-journey-'));
});
after(async () => {
  await started?.close();
  await fs.rm(workDir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** One `instance` command for the instance at imdsUrl, keeping its state in stateDir. */
async function instanceCli(imdsUrl: string, stateDir: string, ...args: string[]): Promise<Run> {
  const portal = await portalReady();
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn' };
  for (const name of ['PUBLIC_URL', 'DATABASE_URL', 'NODE_TEST_CONTEXT', 'AWS_EC2_METADATA_SERVICE_ENDPOINT', 'WEBSTREAM_INSTANCE_STATE_DIR']) Reflect.deleteProperty(env, name);
  const [command, ...rest] = args;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/run.ts', 'instance', command ?? 'status', '--portal-url', portal.url, '--imds-url', imdsUrl, '--state-dir', stateDir, ...rest],
      { cwd: ROOT, env, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr }),
    );
  });
}

const ok = (run: Run) => {
  assert.equal(run.code, 0, `exit ${run.code}\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
};

interface CreatedInstance {
  instanceId: string;
  imdsUrl: string;
}
const createInstance = (awsAccountId: string, region = 'eu-west-2') => control<CreatedInstance>('POST', '/_emulator/instances', { awsAccountId, region });

test('request, activate, heartbeat, validate, status and deactivate against the emulator; the state directory carries the secret', { timeout: 300_000 }, async () => {
  const portal = await portalReady();
  const account = '210987654321';
  const instance = await createInstance(account);
  const stateDir = path.join(workDir, 'first');
  const run = (...args: string[]) => instanceCli(instance.imdsUrl, stateDir, ...args);

  const nothingYet = await run('activate');
  assert.equal(nothingYet.code, 1);
  assert.match(nothingYet.stderr, /no_licence/);
  assert.match(ok(await run('status')), /Instance\s+unknown \(not activated yet\)[\s\S]*Licence file: none yet\./);

  const requested = ok(await run('request', '--contact-email', 'ops@example.com', '--note', 'Evaluation'));
  assert.match(requested, /A trial licence was granted \(HTTP 201\)/);
  assert.match(requested, new RegExp(`create the portal account for AWS account ${account}`));
  const licence = await portal.services.db.selectFrom('licences').selectAll().where('aws_account_id', '=', account).executeTakeFirstOrThrow();
  assert.deepEqual([licence.status, licence.seats, licence.request_note], ['active', 2, 'Evaluation']);
  assert.match(ok(await run('request')), /This account already has a licence/);

  const activated = ok(await run('activate', '--hostname', 'media-01'));
  assert.match(activated, new RegExp(`Activated: activation [0-9a-f-]{36} on licence ${licence.id} \\(${instance.instanceId}, eu-west-2\\)`));
  assert.match(activated, /Licence file: valid offline until \d{4}-\d{2}-\d{2}T/);
  const state = JSON.parse(await fs.readFile(path.join(stateDir, 'instance-state.json'), 'utf8')) as Record<string, string>;
  assert.match(state.instanceSecret ?? '', /^wsi_/);
  assert.equal(((await fs.stat(path.join(stateDir, 'instance-state.json'))).mode & 0o777).toString(8), '600', 'the secret is readable by its owner only');
  const row = await portal.services.db.selectFrom('activations').selectAll().where('instance_id', '=', instance.instanceId).executeTakeFirstOrThrow();
  assert.deepEqual([row.id, row.hostname, row.ended_at], [state.activationId, 'media-01', null]);

  assert.match(ok(await run('activate')), /Already active: activation /);
  assert.match(ok(await run('heartbeat')), /Heartbeat sent\. Validation: valid/);
  assert.match(ok(await run('validate')), /^Valid: valid\./);
  assert.match(ok(await run('status')), new RegExp(`Instance\\s+${instance.instanceId}[\\s\\S]*Secret\\s+kept[\\s\\S]*Licence file: valid offline until`));

  // Someone holding only the identity document (another state directory, same instance) cannot take over.
  const replay = await instanceCli(instance.imdsUrl, path.join(workDir, 'replay'), 'activate');
  assert.equal(replay.code, 1);
  assert.match(replay.stderr, /instance_secret_required/);

  assert.match(ok(await run('deactivate')), /Deactivated: activation .* ended and its seat is free/);
  const notActive = await run('heartbeat');
  assert.equal(notActive.code, 1);
  assert.match(notActive.stderr, /not activated yet/);
  const ended = await portal.services.db.selectFrom('activations').select(['ended_at', 'ended_reason']).where('id', '=', row.id).executeTakeFirstOrThrow();
  assert.ok(ended.ended_at !== null);

  // The secret was kept: the instance activates again on the same licence.
  assert.match(ok(await run('activate')), /Activated: activation /);
});

test('portal-link answers a single-use registration link; an unreachable metadata service says what to do', { timeout: 120_000 }, async () => {
  const portal = await portalReady();
  const instance = await createInstance('345678901234', 'us-east-1');
  const stateDir = path.join(workDir, 'link');
  const tooEarly = await instanceCli(instance.imdsUrl, stateDir, 'portal-link');
  assert.equal(tooEarly.code, 1);
  assert.match(tooEarly.stderr, /holds no WebStream licence yet.*Request a licence first.*\[no_licence\]/);
  ok(await instanceCli(instance.imdsUrl, stateDir, 'request'));
  const link = ok(await instanceCli(instance.imdsUrl, stateDir, 'portal-link'));
  const url = /(http:\/\/\S+)/.exec(link)?.[1];
  assert.ok(url !== undefined && url.startsWith(`${portal.url}/`), link);
  const browser = new FormAgent(portal.app);
  const target = new URL(url);
  assert.equal((await browser.get(`${target.pathname}${target.search}`)).status, 303);
  const page = await browser.get('/portal/link');
  assert.equal(page.status, 200);
  assert.match(page.body, /3456-7890-1234/, 'the registration has the proven account fixed');

  const unreachable = await instanceCli('http://127.0.0.1:9', path.join(workDir, 'nowhere'), 'request');
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.stderr, /instance metadata service at http:\/\/127\.0\.0\.1:9 did not answer.*pass --imds-url/);
});
