import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { registeredAccount, signIn } from '../support/accounts.js';
import { FormAgent } from '../support/form-agent.js';
import { createTestPortal, GOOD_PASSWORD, type TestPortal } from '../support/test-portal.js';

let portal: TestPortal;
before(async () => {
  portal = await createTestPortal();
  await registeredAccount(portal, '444400000001');
  await registeredAccount(portal, '444400000002');
});
after(() => portal.close());

const wrong = (accountId: string, ip = '10.0.0.1') => signIn(portal, accountId, 'Wrong-Password-9', { ip });

test('after 5 failures the account waits, even with the right password, and the message reveals nothing', async () => {
  for (let i = 0; i < 5; i++) assert.equal((await wrong('444400000001')).response.status, 401);
  const locked = await signIn(portal, '444400000001', GOOD_PASSWORD, { ip: '10.0.0.1' });
  assert.equal(locked.response.status, 429);
  assert.match(locked.response.body, /Too many sign-in attempts\. For your security, please wait 1 second/);
  const lockedWrong = await wrong('444400000001');
  assert.equal(lockedWrong.response.status, 429);
  // Same words whether the password was right or wrong.
  const text = (b: string) => /<div class="error-summary"[^>]*>([^<]*)</.exec(b)?.[1];
  assert.equal(text(locked.response.body), text(lockedWrong.response.body));

  portal.clock.advance(1000);
  const after = await signIn(portal, '444400000001', GOOD_PASSWORD, { ip: '10.0.0.1' });
  assert.equal(after.response.status, 303, 'the lock ends by itself');
  // Success clears the count: a typo afterwards is not penalised.
  assert.equal((await wrong('444400000001')).response.status, 401);
  assert.equal((await signIn(portal, '444400000001', GOOD_PASSWORD, { ip: '10.0.0.1' })).response.status, 303);
});

test('the wait doubles and is capped at 15 minutes: never a permanent lockout', async () => {
  const waits: number[] = [];
  for (let i = 0; i < 16; i++) {
    const { response } = await wrong('444400000002', '10.0.0.2');
    assert.equal(response.status, 401);
    const row = await portal.services.db.selectFrom('sign_in_throttles').selectAll().where('key', '=', 'account:444400000002').executeTakeFirstOrThrow();
    const wait = row.locked_until === null ? 0 : row.locked_until.getTime() - portal.clock.now().getTime();
    waits.push(wait / 1000);
    portal.clock.advance(wait);
  }
  assert.deepEqual(waits.slice(0, 4), [0, 0, 0, 0]);
  assert.deepEqual(waits.slice(4, 9), [1, 2, 4, 8, 16]);
  assert.equal(Math.max(...waits), 900);
  assert.equal((await signIn(portal, '444400000002', GOOD_PASSWORD, { ip: '10.0.0.2' })).response.status, 303);
});

test('accounts that do not exist lock the same way (no enumeration through lockouts)', async () => {
  for (let i = 0; i < 5; i++) assert.equal((await wrong('444499999999', '10.0.0.3')).response.status, 401);
  assert.equal((await wrong('444499999999', '10.0.0.3')).response.status, 429);
});

test('parallel guesses cannot slip past the count', async () => {
  await registeredAccount(portal, '444400000004');
  const attempts = await Promise.all(Array.from({ length: 20 }, (_, i) => wrong('444400000004', `10.0.1.${i}`)));
  const checked = attempts.filter((a) => a.response.status === 401).length;
  assert.ok(checked <= 5, `${checked} passwords were checked`);
  assert.ok(attempts.every((a) => a.response.status === 401 || a.response.status === 429));
});

test('one address trying many accounts is slowed down too; other addresses are not', async () => {
  for (let i = 0; i < 20; i++) {
    const { response } = await wrong(`55550000${String(i).padStart(4, '0')}`, '10.9.9.9');
    assert.equal(response.status, 401, `attempt ${i + 1}`);
  }
  assert.equal((await wrong('555500009999', '10.9.9.9')).response.status, 429);
  assert.equal((await signIn(portal, '444400000001', GOOD_PASSWORD, { ip: '10.9.9.10' })).response.status, 303);
});

test('successful sign-ins do not use up an address (offices behind one address)', async () => {
  for (let i = 0; i < 30; i++) {
    const { response } = await signIn(portal, '444400000001', GOOD_PASSWORD, { ip: '10.8.8.8' });
    assert.equal(response.status, 303, `sign-in ${i + 1}`);
  }
});

test('lockouts are audited', async () => {
  const rows = await portal.services.db.selectFrom('audit_events').select('event').where('event', '=', 'sign_in.locked_out').execute();
  assert.ok(rows.length > 0);
});

test('the refund is exact: a success at the 20th attempt from an address leaves 19, so the next failure locks', async () => {
  const ip = '10.7.7.7';
  for (let i = 0; i < 19; i++) assert.equal((await wrong(`66660000${String(i).padStart(4, '0')}`, ip)).response.status, 401);
  assert.equal((await signIn(portal, '444400000001', GOOD_PASSWORD, { ip })).response.status, 303, 'the 20th attempt succeeds and is refunded');
  const row = await portal.services.db.selectFrom('sign_in_throttles').selectAll().where('key', '=', `address:${ip}`).executeTakeFirstOrThrow();
  assert.equal(row.failures, 19);
  assert.equal(row.locked_until, null);
  assert.equal((await wrong('666600009999', ip)).response.status, 401, 'the 20th failure is checked…');
  assert.equal((await wrong('666600009998', ip)).response.status, 429, '…and locks the address');
});

test('concurrent sign-ins to one account from one address never deadlock or fail with a server error', async () => {
  const results = await Promise.all(Array.from({ length: 16 }, () => signIn(portal, '444400000001', GOOD_PASSWORD, { ip: '10.6.6.6' })));
  const statuses = results.map((r) => r.response.status);
  assert.ok(statuses.every((s) => s === 303 || s === 429), JSON.stringify(statuses));
  assert.ok(statuses.includes(303));
});

test('a forged X-Forwarded-For does not dodge the per-address limit (TRUST_PROXY is off by default)', async () => {
  const agent = new FormAgent(portal.app, portal.config.publicUrl.origin, '10.5.5.5');
  await agent.get('/portal/sign-in');
  for (let i = 0; i < 20; i++) {
    const response = await agent.post('/portal/sign-in', { accountId: `77770000${String(i).padStart(4, '0')}`, password: 'Wrong-Password-9' }, { 'x-forwarded-for': `203.0.113.${i}` });
    assert.equal(response.status, 401);
  }
  const blocked = await agent.post('/portal/sign-in', { accountId: '777700009999', password: 'Wrong-Password-9' }, { 'x-forwarded-for': '198.51.100.7' });
  assert.equal(blocked.status, 429);
});
