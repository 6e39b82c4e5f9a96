/**
 * My Entitlements with the licence API's activations: seats in use, each instance with its Region, host,
 * last heartbeat and state, and the owner deactivating one (DESIGN.md §2 "My Entitlements").
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserSuite, clickAndWait, signInThroughForm } from '../support/browser.js';
import { registeredAccount } from '../support/accounts.js';
import { activate, newInstance } from '../support/licence-api.js';
import { GOOD_PASSWORD } from '../support/test-portal.js';

const ACCOUNT = '246813579024';
const suite = browserSuite();
const { skip } = suite;

void test('My Entitlements lists the activations with seats in use; the owner deactivates one and the seat is free', { skip }, async () => {
  const portal = suite.portal();
  await registeredAccount(portal, ACCOUNT);
  const web = newInstance(ACCOUNT, 'eu-central-1');
  const batch = newInstance(ACCOUNT, 'us-east-1');
  assert.equal((await activate(portal, web)).status, 201);
  assert.equal((await activate(portal, batch)).status, 201);
  // The batch host goes quiet past the stale window (30 minutes); the web host keeps beating.
  portal.clock.advance(20 * 60_000);
  await portal.services.db.updateTable('activations').set({ last_heartbeat_at: portal.clock.now(), stale_after: new Date(portal.clock.now().getTime() + 30 * 60_000) }).where('instance_id', '=', web.instanceId).execute();
  portal.clock.advance(15 * 60_000);

  const { context, page, problems } = await suite.open();
  try {
    await signInThroughForm(page, ACCOUNT, GOOD_PASSWORD);
    assert.equal(new URL(page.url()).pathname, '/portal/entitlements');
    const licenceRow = page.locator('table.licences tbody tr').first();
    assert.equal(await licenceRow.locator('td').nth(2).textContent(), '1 / 5', 'only the alive instance uses a seat');

    const table = page.getByRole('table', { name: 'Activations of your licences' });
    const rows = table.locator('tbody tr');
    assert.equal(await rows.count(), 2);
    const webRow = rows.filter({ hasText: web.instanceId });
    assert.match((await webRow.textContent()) ?? '', /eu-central-1.*webstream-1\.internal.*Alive/);
    assert.match((await rows.filter({ hasText: batch.instanceId }).textContent()) ?? '', /us-east-1.*Stale/);

    // Keyboard: the button is reachable and named after its instance.
    const deactivate = page.getByRole('button', { name: `Deactivate instance ${web.instanceId}` });
    await deactivate.focus();
    await clickAndWait(page, deactivate);
    assert.equal(new URL(page.url()).pathname, '/portal/entitlements');
    assert.match((await page.getByRole('status').textContent()) ?? '', /deactivated and its seat is free/);
    assert.equal(await page.getByRole('table', { name: 'Activations of your licences' }).locator('tbody tr').count(), 1);
    assert.equal(await page.locator('table.licences tbody tr').first().locator('td').nth(2).textContent(), '0 / 5');

    const audited = await portal.services.db.selectFrom('audit_events').select('actor').where('event', '=', 'activation.deactivated').where('aws_account_id', '=', ACCOUNT).execute();
    assert.deepEqual(audited.map((a) => a.actor), [`account:${ACCOUNT}`]);
    assert.deepEqual(problems.errors, []);
  } finally {
    await context.close();
  }
});
