import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { identityFor } from '../support/instance-identity.js';
import { activate, callApi, newAccountId, newInstance } from '../support/licence-api.js';
import { createTestPortal, issueLicence, type TestPortal } from '../support/test-portal.js';

let portal: TestPortal;
before(async () => {
  portal = await createTestPortal();
});
after(() => portal.close());

const count = async (table: 'instances' | 'activations' | 'licences') => Number((await portal.services.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

test('the first activation takes a seat and returns the instance secret once, a licence file and the activation', async () => {
  const account = newAccountId();
  const licence = await issueLicence(portal, account, { seats: 2 });
  const instance = newInstance(account);
  const first = await activate(portal, instance);
  assert.equal(first.status, 201, JSON.stringify(first.body));
  assert.match(first.body.instanceSecret ?? '', /^wsi_[A-Za-z0-9_-]{43}$/);
  assert.equal(typeof first.body.licenceFile, 'string');
  assert.equal(first.body.activation?.licenceId, licence.id);
  assert.deepEqual(
    { instanceId: (first.body.activation as Record<string, unknown>).instanceId, region: (first.body.activation as Record<string, unknown>).region, heartbeat: (first.body.activation as Record<string, unknown>).heartbeatIntervalSeconds },
    { instanceId: instance.instanceId, region: 'eu-west-1', heartbeat: 600 },
  );
  const stored = await portal.services.db.selectFrom('instances').selectAll().where('instance_id', '=', instance.instanceId).executeTakeFirstOrThrow();
  assert.notEqual(stored.secret_hash, first.body.instanceSecret, 'the secret is stored only hashed');
  assert.equal(JSON.stringify(stored).includes(first.body.instanceSecret ?? '-'), false);

  // Again, with its secret: the same activation (200), and no new secret.
  const again = await activate(portal, instance, { secret: first.body.instanceSecret });
  assert.equal(again.status, 200);
  assert.equal(again.body.activation?.id, first.body.activation.id);
  assert.equal(again.body.instanceSecret, undefined);

  const audit = await portal.services.db.selectFrom('audit_events').selectAll().where('event', '=', 'activation.created').where('aws_account_id', '=', account).execute();
  assert.equal(audit.length, 1);
  assert.equal(audit[0]?.actor, `instance:${instance.instanceId}`);
  assert.equal((audit[0].details as { instanceId?: string }).instanceId, instance.instanceId);
});

test('a replayed identity document without the secret cannot take over, heartbeat, deactivate or re-activate the instance', async () => {
  const account = newAccountId();
  await issueLicence(portal, account, { seats: 3 });
  const instance = newInstance(account);
  const first = await activate(portal, instance);
  assert.equal(first.status, 201);
  const activationId = first.body.activation?.id ?? '';
  const before = { instances: await count('instances'), activations: await count('activations') };

  const replay = await activate(portal, instance);
  assert.equal(replay.status, 401);
  assert.equal(replay.body.code, 'instance_secret_required');
  assert.equal(replay.body.instanceSecret, undefined);

  // Another instance's genuine secret does not stand in for this one's.
  const other = newInstance(account);
  const otherFirst = await activate(portal, other);
  const borrowed = await activate(portal, instance, { secret: otherFirst.body.instanceSecret });
  assert.equal(borrowed.status, 401);
  assert.equal(borrowed.body.code, 'instance_secret_required');

  for (const [method, url, body] of [
    ['POST', `/api/v1/activations/${activationId}/heartbeat`, undefined],
    ['DELETE', `/api/v1/activations/${activationId}`, undefined],
    ['POST', '/api/v1/licences/validate', { licenceId: first.body.activation?.licenceId }],
  ] as const) {
    const noSecret = await callApi(portal, method, url, { body });
    assert.equal(noSecret.statusCode, 401, `${method} ${url} without a secret`);
    assert.equal(noSecret.headers['content-type'], 'application/problem+json; charset=utf-8');
    const wrongSecret = await callApi(portal, method, url, { body, secret: `wsi_${'A'.repeat(43)}` });
    assert.equal(wrongSecret.statusCode, 401, `${method} ${url} with a made-up secret`);
    // The other instance's secret reaches the handler, but not this instance's activation.
    if (method !== 'POST' || url.endsWith('heartbeat')) {
      const others = await callApi(portal, method, url, { body, secret: otherFirst.body.instanceSecret });
      assert.equal(others.statusCode, 404, `${method} ${url} with another instance's secret`);
      assert.equal(others.json<{ code: string }>().code, 'activation_not_found');
    }
  }
  assert.equal(await count('instances'), before.instances + 1, 'only the other instance was added');
  const still = await portal.services.db.selectFrom('activations').select('ended_at').where('id', '=', activationId).executeTakeFirstOrThrow();
  assert.equal(still.ended_at, null, 'the replays ended nothing');
});

test('each refusal has its code, a sentence and writes nothing', async () => {
  const cases: { name: string; setup: (account: string) => Promise<void>; code: string; status: number }[] = [
    { name: 'no licence', setup: async () => undefined, code: 'no_licence', status: 404 },
    {
      name: 'pending',
      setup: async (account) => {
        await portal.services.licences.create({ awsAccountId: account, plan: 'standard', seats: 1, source: 'direct', endsAt: null }, 'request', { actor: 'test', reason: 'fixture' });
      },
      code: 'licence_pending',
      status: 409,
    },
    {
      name: 'suspended',
      setup: async (account) => {
        const l = await issueLicence(portal, account);
        await portal.services.licences.transition(l.id, { action: 'suspend' }, { actor: 'test', reason: 'fixture' });
      },
      code: 'licence_suspended',
      status: 409,
    },
    {
      name: 'revoked',
      setup: async (account) => {
        const l = await issueLicence(portal, account);
        await portal.services.licences.transition(l.id, { action: 'revoke' }, { actor: 'test', reason: 'fixture' });
      },
      code: 'licence_revoked',
      status: 409,
    },
    {
      name: 'expired',
      setup: async (account) => {
        const l = await issueLicence(portal, account, { days: 1 });
        await portal.services.db.updateTable('licences').set({ status: 'expired', ends_at: new Date(portal.clock.now().getTime() - 1000), starts_at: new Date(portal.clock.now().getTime() - 86_400_000) }).where('id', '=', l.id).execute();
      },
      code: 'licence_expired',
      status: 409,
    },
  ];
  for (const { name, setup, code, status } of cases) {
    const account = newAccountId();
    await setup(account);
    const before = { instances: await count('instances'), activations: await count('activations') };
    const refused = await activate(portal, newInstance(account));
    assert.equal(refused.status, status, name);
    assert.equal(refused.body.code, code, name);
    assert.match(String(refused.body.detail), /\w+ .*\./, name);
    assert.deepEqual({ instances: await count('instances'), activations: await count('activations') }, before, `${name}: nothing written`);
  }
});

test('a full licence says how many seats it has and how many are in use', async () => {
  const account = newAccountId();
  await issueLicence(portal, account, { seats: 1 });
  assert.equal((await activate(portal, newInstance(account))).status, 201);
  const full = await activate(portal, newInstance(account));
  assert.equal(full.status, 409);
  assert.equal(full.body.code, 'no_free_seat');
  assert.equal(full.body.seats, 1);
  assert.equal(full.body.seatsInUse, 1);
  assert.match(String(full.body.detail), /1 seat .*\(1 in use\)/);
});

test('without a licence ID the usable licence with a free seat that runs longest is taken', async () => {
  const account = newAccountId();
  const short = await issueLicence(portal, account, { seats: 1, days: 30 });
  const long = await issueLicence(portal, account, { seats: 1, days: 300 });
  const first = await activate(portal, newInstance(account));
  assert.equal(first.body.activation?.licenceId, long.id);
  const second = await activate(portal, newInstance(account));
  assert.equal(second.body.activation?.licenceId, short.id);
  const asked = await activate(portal, newInstance(account), { licenceId: long.id });
  assert.equal(asked.body.code, 'no_free_seat');
});

test('an identity document that fails verification is refused with its code, and repeated failures are throttled per address', async () => {
  const account = newAccountId();
  await issueLicence(portal, account);
  const good = identityFor(newInstance(account));
  const tampered = { document: good.document.replace(account, '999999999999'), signature: good.signature };
  const before = await count('instances');
  const refused = await callApi(portal, 'POST', '/api/v1/activations', { body: { identity: tampered }, ip: '198.51.100.20' });
  assert.equal(refused.statusCode, 400);
  assert.equal(refused.json<{ code: string }>().code, 'identity_invalid');
  assert.equal(await count('instances'), before);

  for (let i = 0; i < 9; i += 1) await callApi(portal, 'POST', '/api/v1/licence-requests', { body: { identity: tampered }, ip: '198.51.100.20' });
  // Ten failures from the address: even a good document waits now; another address is not affected.
  const blocked = await callApi(portal, 'POST', '/api/v1/activations', { body: { identity: good }, ip: '198.51.100.20' });
  assert.equal(blocked.statusCode, 429);
  assert.ok(Number(blocked.headers['retry-after']) > 0);
  const elsewhere = await callApi(portal, 'POST', '/api/v1/activations', { body: { identity: good }, ip: '198.51.100.21' });
  assert.equal(elsewhere.statusCode, 201);
});
