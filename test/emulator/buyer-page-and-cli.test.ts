/**
 * The local AWS emulator as a person drives it: the buyer page, whose form posts a registration token to the
 * portal, and the `emulator` command.
 *
 *   node --import tsx --test test/emulator/buyer-page-and-cli.test.ts
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { ResolveCustomerCommand } from '@aws-sdk/client-marketplace-metering';
import { GetEntitlementsCommand } from '@aws-sdk/client-marketplace-entitlement-service';
import { emulator, entitlements, metering, useEmulator } from '../support/emulator.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

useEmulator();

test('the buyer page subscribes and answers with a form that posts x-amzn-marketplace-token to the portal', async () => {
  const page = await fetch(`${emulator.url}/buyer`);
  assert.equal(page.status, 200);
  const html = await page.text();
  for (const field of ['awsAccountId', 'dimension', 'quantity', 'durationMonths', 'freeTrial', 'legacyListing']) {
    assert.match(html, new RegExp(`<label[^>]*for="field-${field}"`), `a label for ${field}`);
    assert.match(html, new RegExp(`id="field-${field}"`));
  }
  const post = (form: Record<string, string>) => fetch(`${emulator.url}/buyer/subscribe`, { method: 'POST', body: new URLSearchParams(form) });

  const refused = await post({ awsAccountId: '1234', dimension: 'standard', quantity: '2' });
  assert.equal(refused.status, 400);
  assert.match(await refused.text(), /12-digit AWS account ID/);

  const done = await post({ awsAccountId: '5555 6666 7777', dimension: 'professional', quantity: '3', durationMonths: '12' });
  assert.equal(done.status, 200);
  const result = await done.text();
  const form = /<form method="post" action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/.exec(result);
  const [, action, fields = ''] = form ?? [];
  assert.equal(action, 'http://portal.test:3000/marketplace/landing');
  assert.match(fields, /<button type="submit"[^>]*>Set up your account<\/button>/);
  const token = /<input type="hidden" name="x-amzn-marketplace-token" value="([^"]+)"/.exec(fields)?.[1];
  assert.ok(token);
  const resolved = await metering.send(new ResolveCustomerCommand({ RegistrationToken: token }));
  assert.equal(resolved.CustomerAWSAccountId, '555566667777');
  const { Entitlements } = await entitlements.send(new GetEntitlementsCommand({ ProductCode: emulator.productCode, Filter: { LICENSE_ARN: [resolved.LicenseArn ?? ''] } }));
  const [entitlement] = Entitlements ?? [];
  assert.ok(entitlement);
  assert.equal(entitlement.Dimension, 'professional');
  assert.equal(entitlement.Value?.IntegerValue, 3);
  assert.ok(entitlement.ExpirationDate instanceof Date);

  const controls = await fetch(`${emulator.url}/_emulator`);
  assert.equal(controls.status, 200);
  assert.match(await controls.text(), /555566667777|5555-6666-7777/);
});

test('the CLI: `emulator --help` describes the options; `emulator` starts, prints the portal settings and stops on SIGTERM', async () => {
  const run = (args: string[]) => spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const help = run(['emulator', '--help']);
  let helpText = '';
  help.stdout.on('data', (chunk: Buffer) => (helpText += chunk.toString()));
  const [helpCode] = (await once(help, 'exit')) as [number];
  assert.equal(helpCode, 0);
  for (const option of ['--port', '--portal-url', '--product-code']) assert.ok(helpText.includes(option), option);

  const server = run(['emulator', '--port', '0', '--product-code', 'cliproduct']);
  let output = '';
  server.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    const deadline = Date.now() + 10_000;
    while (!output.includes('MARKETPLACE_PRODUCT_CODE') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.match(output, /export AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:\d+/);
    assert.match(output, /export MARKETPLACE_QUEUE_URL=http:\/\/127\.0\.0\.1:\d+\/\d{12}\/webstream-marketplace-notifications/);
    assert.match(output, /export MARKETPLACE_PRODUCT_CODE=cliproduct/);
    assert.match(output, /AWS_REGION=us-east-1/);
  } finally {
    server.kill('SIGTERM');
  }
  const [code] = (await once(server, 'exit')) as [number | null];
  assert.equal(code, 0);
});
