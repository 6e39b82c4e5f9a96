import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestPortal, type TestPortal } from '../support/test-portal.js';

let portal: TestPortal;
before(async () => {
  portal = await createTestPortal();
  // Two rate-limited routes beside the portal's own (the Marketplace landing): each must count on its own.
  for (const url of ['/limited/a', '/limited/b']) portal.app.get(url, { config: { rateLimit: { max: 2, timeWindow: 60_000 } } }, () => 'ok');
});
after(async () => {
  await portal.close();
});

const hit = async (url: string) => (await portal.app.inject({ method: 'GET', url, remoteAddress: '10.1.2.3' })).statusCode;

test('each rate-limited route has its own count per address, kept in PostgreSQL under the route', async () => {
  assert.deepEqual([await hit('/limited/a'), await hit('/limited/a'), await hit('/limited/a')], [200, 200, 429]);
  assert.equal(await hit('/limited/b'), 200, 'another route is not held up by the first one');
  // The refusal speaks of the route in general; only the Marketplace landing talks about AWS Marketplace.
  const refused = await portal.app.inject({ method: 'GET', url: '/limited/a', remoteAddress: '10.1.2.3' });
  assert.match(refused.body, /Too many requests from your network\. Please wait \d+ seconds and try again\./);
  const rows = await portal.services.db.selectFrom('rate_limit_counters').select(['key', 'hits']).orderBy('key').execute();
  assert.deepEqual(rows, [
    { key: 'GET /limited/a|10.1.2.3', hits: 4 },
    { key: 'GET /limited/b|10.1.2.3', hits: 1 },
  ]);
  // A new window once the minute is over.
  portal.clock.advance(60_001);
  assert.equal(await hit('/limited/a'), 200);
});
