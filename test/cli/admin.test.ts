/**
 * `webstream-portal admin create|list|disable|reset-access` as real processes on a scratch database with no SMTP server:
 * the invitation is kept in the outbox (its link never printed), in development the log shows it, and the
 * link opens the invitation page of a portal on the same database.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createScratchDatabase } from '../support/resources.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const scratch = await createScratchDatabase('wsp_admin_cli');
after(() => scratch.drop());

const baseEnv: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: scratch.url, SECRET_KEY: 'admin-cli-test-secret-key-of-32-characters!', LOG_LEVEL: 'warn', NODE_ENV: 'production', PUBLIC_URL: 'https://licences.example.com' };
for (const name of ['SMTP_URL', 'NODE_TEST_CONTEXT']) Reflect.deleteProperty(baseEnv, name);

function cli(args: string[], env: NodeJS.ProcessEnv = baseEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], { cwd: ROOT, env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

test('admin create, list and disable; the invitation waits in the outbox', { timeout: 180_000 }, async () => {
  const empty = await cli(['admin', 'list']);
  assert.equal(empty.code, 0, empty.stderr);
  assert.match(empty.stdout, /There are no staff accounts\. Create the first admin/);

  const created = await cli(['admin', 'create', '--email', 'First.Admin@WebStream.example']);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /^Created the staff account first\.admin@webstream\.example \(Admin\)\.$/m, 'the role defaults to admin');
  assert.match(created.stdout, /works once, until \d{4}-\d\d-\d\dT/);
  assert.match(created.stdout, /No SMTP_URL is set: .*outbox show --id/);
  assert.doesNotMatch(created.stdout + created.stderr, /token=/, 'the link is never printed');

  const support = await cli(['admin', 'create', '--email', 'helper@webstream.example', '--role', 'support']);
  assert.equal(support.code, 0, support.stderr);

  const listed = await cli(['admin', 'list', '--json']);
  assert.equal(listed.code, 0, listed.stderr);
  const members = JSON.parse(listed.stdout) as { email: string; role: string; status: string }[];
  assert.deepEqual(
    members.map((m) => [m.email, m.role, m.status]),
    [
      ['first.admin@webstream.example', 'admin', 'Invited'],
      ['helper@webstream.example', 'support', 'Invited'],
    ],
  );
  const table = await cli(['admin', 'list']);
  assert.match(table.stdout, /^EMAIL\s+ROLE\s+STATUS\s+CREATED$/m);
  assert.match(table.stdout, /^helper@webstream\.example\s+support\s+Invited\s+\d{4}-\d\d-\d\d$/m);

  const outbox = JSON.parse((await cli(['outbox', 'list', '--json'])).stdout) as { id: string; to: string; template: string; status: string }[];
  const invitation = outbox.find((m) => m.to === 'first.admin@webstream.example');
  assert.deepEqual([invitation?.template, invitation?.status], ['staff_invitation', 'kept']);
  const shown = await cli(['outbox', 'show', '--id', invitation?.id ?? '']);
  assert.match(shown.stdout, /https:\/\/licences\.example\.com\/admin\/invitation\?token=[A-Za-z0-9_-]{43}$/m);

  const duplicate = await cli(['admin', 'create', '--email', 'HELPER@webstream.example']);
  assert.equal(duplicate.code, 1);
  assert.match(duplicate.stderr, /already a staff account/);
  const badRole = await cli(['admin', 'create', '--email', 'x@webstream.example', '--role', 'owner']);
  assert.notEqual(badRole.code, 0);
  assert.match(badRole.stderr, /Expected one of: admin, support, read-only/);
  const badEmail = await cli(['admin', 'create', '--email', 'nope']);
  assert.notEqual(badEmail.code, 0);
  assert.match(badEmail.stderr, /email address like name@example\.com/);

  const disabled = await cli(['admin', 'disable', '--email', 'Helper@webstream.example']);
  assert.equal(disabled.code, 0, disabled.stderr);
  assert.match(disabled.stdout, /Disabled the staff account helper@webstream\.example/);
  assert.match((await cli(['admin', 'list'])).stdout, /^helper@webstream\.example\s+support\s+Disabled/m);
  const unknown = await cli(['admin', 'disable', '--email', 'nobody@webstream.example']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /No staff account nobody@webstream\.example/);
  const reset = await cli(['admin', 'reset-access', '--email', 'first.admin@webstream.example']);
  assert.equal(reset.code, 0, reset.stderr);
  assert.match(reset.stdout, /Reset the password and authenticator of first\.admin@webstream\.example; .*until \d{4}-/);
  const mails = JSON.parse((await cli(['outbox', 'list', '--json'])).stdout) as { to: string; template: string }[];
  assert.equal(mails.filter((m) => m.to === 'first.admin@webstream.example').length, 2, 'a new link (still an invitation: it was never accepted)');
  assert.match((await cli(['admin', '--help'])).stdout, /create[\s\S]*list[\s\S]*disable[\s\S]*reset-access/);
});

test('in development, with no SMTP server, the log shows the invitation link', { timeout: 120_000 }, async () => {
  const env = { ...baseEnv, NODE_ENV: 'development', LOG_LEVEL: 'info' };
  const created = await cli(['admin', 'create', '--email', 'dev.admin@webstream.example', '--role', 'read-only'], env);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /In development it is also printed in the log/);
  assert.match(created.stderr, /\/admin\/invitation\?token=[A-Za-z0-9_-]{43}/, 'the logged body has the link');
});
