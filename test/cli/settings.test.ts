/**
 * `webstream-portal settings show` and `settings set <switch> on|off` as real processes on a scratch database
 * by URL: the change is stored (a running portal sees it within 5 seconds) and audited as the admin panel audits it.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pg from 'pg';
import { createScratchDatabase } from '../support/resources.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const scratch = await createScratchDatabase('wsp_settings_cli');
after(() => scratch.drop());

const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: scratch.url, SECRET_KEY: 'settings-cli-test-secret-key-of-32-characters', LOG_LEVEL: 'warn', NODE_ENV: 'production' };
for (const name of ['SMTP_URL', 'PUBLIC_URL', 'NODE_TEST_CONTEXT']) Reflect.deleteProperty(env, name);

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], { cwd: ROOT, env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

test('settings show and set registration-requires-proof / mfa-required-for-customers on|off; bad arguments are refused', { timeout: 120_000 }, async () => {
  const shown = await cli('settings', 'show');
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /^registration-requires-proof\s+off$/m);
  assert.match(shown.stdout, /^mfa-required-for-customers\s+off$/m);
  assert.match(shown.stdout, /^session-duration\s+28800 s$/m);
  assert.match(shown.stdout, /^stale-window\s+1800 s$/m);

  const on = await cli('settings', 'set', 'registration-requires-proof', 'on');
  assert.equal(on.code, 0, on.stderr);
  assert.match(on.stdout, /registration-requires-proof is now on/);
  const json = await cli('settings', 'show', '--json');
  assert.equal((JSON.parse(json.stdout) as { registrationRequiresProof: boolean }).registrationRequiresProof, true);

  const badValue = await cli('settings', 'set', 'registration-requires-proof', 'yes');
  assert.notEqual(badValue.code, 0);
  assert.match(badValue.stderr, /Allowed choices are on, off/);
  const badName = await cli('settings', 'set', 'no-such-setting', 'on');
  assert.notEqual(badName.code, 0);
  assert.match(badName.stderr, /registration-requires-proof/);
  assert.match((await cli('settings', 'set', '--help')).stdout, /registration-requires-proof on/);

  assert.equal((await cli('settings', 'set', 'registration-requires-proof', 'off')).code, 0);
  assert.match((await cli('settings', 'show')).stdout, /^registration-requires-proof\s+off$/m);

  const mfa = await cli('settings', 'set', 'mfa-required-for-customers', 'on');
  assert.equal(mfa.code, 0, mfa.stderr);
  assert.match(mfa.stdout, /mfa-required-for-customers is now on: a customer without MFA must set it up/);
  const again = await cli('settings', 'set', 'mfa-required-for-customers', 'on');
  assert.match(again.stdout, /mfa-required-for-customers was already on/, 'no change, nothing audited');
  assert.match((await cli('settings', 'show')).stdout, /^mfa-required-for-customers\s+on$/m);

  const client = new pg.Client({ connectionString: scratch.url });
  await client.connect();
  try {
    // The same entry the admin panel writes: the setting's key, the old and the new value.
    const audit = await client.query<{ actor: string; details: unknown }>("select actor, details from audit_events where event = 'settings.changed' order by id");
    assert.deepEqual(
      audit.rows.map((r) => [r.actor, r.details]),
      [
        ['cli', { key: 'registrationRequiresProof', from: false, to: true }],
        ['cli', { key: 'registrationRequiresProof', from: true, to: false }],
        ['cli', { key: 'mfaRequiredForCustomers', from: false, to: true }],
      ],
    );
  } finally {
    await client.end();
  }
});
