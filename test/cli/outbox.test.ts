/**
 * `webstream-portal outbox list` and `outbox show` as real processes on a scratch database by URL with no
 * SMTP server: the outbox is where the one-time password of `account create` is delivered.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createScratchDatabase } from '../support/resources.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const scratch = await createScratchDatabase('wsp_outbox_cli');
after(() => scratch.drop());

const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: scratch.url, SECRET_KEY: 'outbox-cli-test-secret-key-of-32-characters', LOG_LEVEL: 'warn', NODE_ENV: 'production' };
for (const name of ['SMTP_URL', 'PUBLIC_URL', 'NODE_TEST_CONTEXT']) Reflect.deleteProperty(env, name);

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], { cwd: ROOT, env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

test('outbox list and show read the emails kept without SMTP; --help and bad arguments', { timeout: 120_000 }, async () => {
  assert.equal((await cli('licence', 'issue', '--account', '555500000001')).code, 0);
  const created = await cli('account', 'create', '--account', '555500000001', '--email', 'cli-outbox@example.com');
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /outbox show --id/);

  const listed = await cli('outbox', 'list', '--json');
  assert.equal(listed.code, 0, listed.stderr);
  const [message, ...others] = JSON.parse(listed.stdout) as { id: string; to: string; template: string; status: string; hasBody: boolean }[];
  assert.equal(others.length, 0);
  assert.deepEqual([message?.to, message?.template, message?.status, message?.hasBody], ['cli-outbox@example.com', 'one_time_password', 'kept', true]);
  assert.doesNotMatch(listed.stdout, /One-time password:/, 'list shows envelopes only');

  const table = await cli('outbox', 'list');
  assert.match(table.stdout, /^ID\s+QUEUED\s+STATUS\s+TEMPLATE/m);
  assert.match(table.stdout, /kept\s+one_time_password\s+cli-outbox@example\.com\s+kept until /);

  const shown = await cli('outbox', 'show', '--id', message?.id ?? '');
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /^To:\s+cli-outbox@example\.com$/m);
  assert.match(shown.stdout, /One-time password: \S{16}$/m);

  const help = await cli('outbox', 'show', '--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--id <id>/);
  assert.match((await cli('outbox', '--help')).stdout, /list[\s\S]*show/);

  const bad = await cli('outbox', 'show', '--id', 'abc');
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /whole number/);
  const missing = await cli('outbox', 'show');
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /--id <id>/);
  const unknown = await cli('outbox', 'show', '--id', '999999');
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /No outbox message 999999/);
});
