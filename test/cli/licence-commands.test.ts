/**
 * The licence commands as real processes on a scratch database by URL: lifecycle changes with a reason,
 * `licence list` with seats in use and pending requests, `keys rotate`, and `licence verify` checking a
 * licence file offline against a JWKS file.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { createServices, type Services } from '../../src/services.js';
import { createScratchDatabase } from '../support/resources.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SECRET_KEY = 'licence-cli-test-secret-key-of-32-characters';
const scratch = await createScratchDatabase('wsp_licence_cli');
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wsp-licence-cli-'));
const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: scratch.url, SECRET_KEY, LOG_LEVEL: 'warn', DATA_DIR: dir };
for (const name of ['SMTP_URL', 'PUBLIC_URL', 'NODE_TEST_CONTEXT', 'INSTANCE_IDENTITY_CERT_FILE']) Reflect.deleteProperty(env, name);

let services: Services;
before(async () => {
  services = await createServices(loadConfig({ DATABASE_URL: scratch.url, SECRET_KEY, LOG_LEVEL: 'silent', DATA_DIR: dir }), { role: 'command' });
});
after(async () => {
  await services.close();
  await scratch.drop();
  await fs.rm(dir, { recursive: true, force: true });
});

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], { cwd: ROOT, env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

test('approve, suspend, reinstate, renew and revoke with a reason; illegal moves and missing reasons are refused', { timeout: 180_000 }, async () => {
  const requested = await services.licences.create({ awsAccountId: '555566667777', plan: 'enterprise', seats: 3, source: 'direct', endsAt: null }, 'request', { actor: 'test', reason: 'asked by an instance' });
  await services.db.updateTable('licences').set({ request_note: 'For the media team', requested_by_instance: 'i-0123456789abcdef0' }).where('id', '=', requested.id).execute();
  const listed = await cli('licence', 'list');
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /SEATS USED/);
  assert.match(listed.stdout, new RegExp(`${requested.id}.*requested.*0/3`));
  assert.match(listed.stdout, /1 pending request .*\n.*5555-6666-7777\s+enterprise\s+requested \d{4}-\d{2}-\d{2} by i-0123456789abcdef0: "For the media team"/);

  assert.match((await cli('licence', 'approve', '--id', requested.id)).stderr, /required option '--reason <text>'/);
  const approved = await cli('licence', 'approve', '--id', requested.id, '--reason', 'Contract signed', '--days', '365');
  assert.equal(approved.code, 0, approved.stderr);
  assert.match(approved.stdout, /requested → active, ends /);
  for (const [action, expected] of [
    ['suspend', /active → suspended/],
    ['reinstate', /suspended → active/],
  ] as const) {
    const done = await cli('licence', action, '--id', requested.id, '--reason', `Test ${action}`);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, expected);
  }
  const renewed = await cli('licence', 'renew', '--id', requested.id, '--reason', 'Renewal', '--days', '730');
  assert.match(renewed.stdout, /active → active, ends/);
  const illegal = await cli('licence', 'reinstate', '--id', requested.id, '--reason', 'Not suspended');
  assert.equal(illegal.code, 1);
  assert.match(illegal.stderr, /Only a suspended licence can be reinstated/);
  assert.match((await cli('licence', 'revoke', '--id', requested.id, '--reason', 'Contract ended')).stdout, /active → revoked/);
  assert.match((await cli('licence', 'suspend', '--id', 'nope', '--reason', 'x y z')).stderr, /Expected a licence ID/);
  const history = await services.licences.transitionsFor(requested.id);
  assert.deepEqual(history.map((t) => [t.action, t.actor, t.reason]).slice(1), [
    ['approve', 'cli', 'Contract signed'],
    ['suspend', 'cli', 'Test suspend'],
    ['reinstate', 'cli', 'Test reinstate'],
    ['renew', 'cli', 'Renewal'],
    ['revoke', 'cli', 'Contract ended'],
  ]);
});

test('keys rotate, and licence verify says whether a file is valid and why not', { timeout: 180_000 }, async () => {
  const licence = await services.licences.create({ awsAccountId: '555566668888', plan: 'standard', seats: 1, source: 'direct', endsAt: null }, 'issue', { actor: 'test', reason: 'fixture' });
  const input = { licence, instanceId: 'i-0123456789abcdef0', activationId: '00000000-0000-4000-8000-000000000001', graceSeconds: 0 };
  const before = await services.licenceFiles.issue(input);
  const fileBefore = path.join(dir, 'before.jws');
  await fs.writeFile(fileBefore, before.token);
  const keysBefore = path.join(dir, 'keys-before.json');
  await fs.writeFile(keysBefore, JSON.stringify(await services.licenceFiles.jwks()));

  const rotated = await cli('keys', 'rotate');
  assert.equal(rotated.code, 0, rotated.stderr);
  assert.match(rotated.stdout, new RegExp(`The previous key ${before.kid} stays in the JWKS until`));
  // This process notices the rotation within its 5-second key cache.
  await new Promise((resolve) => setTimeout(resolve, 5_100));
  const after = await services.licenceFiles.issue(input);
  assert.notEqual(after.kid, before.kid);
  const fileAfter = path.join(dir, 'after.jws');
  await fs.writeFile(fileAfter, after.token);
  const keysNow = path.join(dir, 'keys-now.json');
  await fs.writeFile(keysNow, JSON.stringify(await services.licenceFiles.jwks()));

  const valid = await cli('licence', 'verify', fileBefore, '--keys', keysNow, '--instance', 'i-0123456789abcdef0');
  assert.equal(valid.code, 0, valid.stderr);
  assert.match(valid.stdout, /^VALID until .* \(signed by key /);
  assert.match(valid.stdout, /AWS account {2}5555-6666-8888/);
  const otherInstance = await cli('licence', 'verify', fileAfter, '--keys', keysNow, '--instance', 'i-0fffffffffffffff0');
  assert.equal(otherInstance.code, 1);
  assert.match(otherInstance.stdout, /NOT VALID \(other_instance\)/);
  const unknownKey = await cli('licence', 'verify', fileAfter, '--keys', keysBefore);
  assert.match(unknownKey.stdout, /NOT VALID \(unknown_key\)/);
  const tampered = path.join(dir, 'tampered.jws');
  const [h, , s] = after.token.split('.');
  await fs.writeFile(tampered, `${h ?? ''}.${Buffer.from('{"seats":1000}').toString('base64url')}.${s ?? ''}`);
  assert.match((await cli('licence', 'verify', tampered, '--keys', keysNow)).stdout, /NOT VALID \(bad_signature\)/);
  assert.match((await cli('licence', 'verify', path.join(dir, 'missing.jws'), '--keys', keysNow)).stderr, /cannot be read/);
});
