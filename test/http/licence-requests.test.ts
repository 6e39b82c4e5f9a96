import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { identityFor } from '../support/instance-identity.js';
import { callApi, newAccountId, newInstance } from '../support/licence-api.js';
import { createTestPortal, type TestPortal } from '../support/test-portal.js';

let portal: TestPortal;
before(async () => {
  portal = await createTestPortal();
});
after(() => portal.close());

type Answer = { outcome: string; licence: { id: string; status: string; source: string; seats: number; plan: string; endsAt: string | null; awsAccountId: string } };
const requestLicence = (instance: ReturnType<typeof newInstance>, extra: Record<string, unknown> = {}) => callApi(portal, 'POST', '/api/v1/licence-requests', { body: { identity: identityFor(instance), ...extra } });

test('the first request of an account is granted a 30-day, 2-seat trial at once; asking again returns the same licence', async () => {
  const account = newAccountId();
  const instance = newInstance(account);
  const first = await requestLicence(instance, { contactEmail: 'ops@example.com', note: 'Evaluating for the media team' });
  assert.equal(first.statusCode, 201, first.body);
  const { outcome, licence } = first.json<Answer>();
  assert.equal(outcome, 'trial_granted');
  assert.deepEqual([licence.status, licence.source, licence.seats, licence.awsAccountId], ['active', 'trial', 2, account]);
  assert.equal(new Date(licence.endsAt ?? 0).getTime() - portal.clock.now().getTime(), 30 * 86_400_000);

  const again = await requestLicence(newInstance(account));
  assert.equal(again.statusCode, 200);
  assert.deepEqual([again.json<Answer>().outcome, again.json<Answer>().licence.id], ['existing', licence.id]);

  const stored = await portal.services.db.selectFrom('licences').selectAll().where('aws_account_id', '=', account).execute();
  assert.equal(stored.length, 1);
  assert.deepEqual([stored[0]?.contact_email, stored[0]?.request_note, stored[0]?.requested_by_instance], ['ops@example.com', 'Evaluating for the media team', instance.instanceId]);
  const audit = await portal.services.db.selectFrom('audit_events').select(['actor', 'details']).where('event', '=', 'licence_request.received').where('aws_account_id', '=', account).execute();
  assert.deepEqual(audit.map((a) => (a.details as { outcome: string }).outcome), ['trial_granted', 'existing']);
  assert.equal(audit[0]?.actor, `instance:${instance.instanceId}`);
  // The account now holds a licence, so it may create its portal account.
  assert.equal(await portal.services.licences.hasNonRevokedLicence(account), true);
});

test('once the trial is used, a request waits for staff as requested; asking again returns that open request', async () => {
  const account = newAccountId();
  const trial = (await requestLicence(newInstance(account))).json<Answer>().licence;
  await portal.services.licences.transition(trial.id, { action: 'revoke' }, { actor: 'test', reason: 'trial over' });

  const second = await requestLicence(newInstance(account), { plan: 'enterprise' });
  assert.equal(second.statusCode, 201);
  assert.deepEqual([second.json<Answer>().outcome, second.json<Answer>().licence.status, second.json<Answer>().licence.plan], ['requested', 'requested', 'enterprise']);
  const third = await requestLicence(newInstance(account));
  assert.deepEqual([third.statusCode, third.json<Answer>().licence.id], [200, second.json<Answer>().licence.id]);
});

test('with trials turned off every new request waits for approval', async () => {
  await portal.services.settings.setLicenceApi({ trialsEnabled: false }, portal.clock.now());
  try {
    const account = newAccountId();
    const answer = await requestLicence(newInstance(account));
    assert.deepEqual([answer.statusCode, answer.json<Answer>().outcome, answer.json<Answer>().licence.source], [201, 'requested', 'direct']);
  } finally {
    await portal.services.settings.setLicenceApi({ trialsEnabled: true }, portal.clock.now());
  }
});

test('concurrent requests from one account make one licence', async () => {
  const account = newAccountId();
  const answers = await Promise.all(Array.from({ length: 8 }, () => requestLicence(newInstance(account))));
  assert.deepEqual(answers.map((a) => a.statusCode).sort(), [200, 200, 200, 200, 200, 200, 200, 201]);
  assert.equal(new Set(answers.map((a) => a.json<Answer>().licence.id)).size, 1);
});

test('bad bodies are refused with a problem naming the field, and nothing is written', async () => {
  const account = newAccountId();
  const identity = identityFor(newInstance(account));
  for (const body of [{}, { identity: { document: identity.document } }, { identity, plan: '' }, { identity, contactEmail: 'not an address' }, { identity: { ...identity, signature: 'bm90IGEgc2lnbmF0dXJl' } }]) {
    const refused = await callApi(portal, 'POST', '/api/v1/licence-requests', { body, ip: '192.0.2.50' });
    assert.equal(refused.statusCode, 400, JSON.stringify(body));
    assert.equal(refused.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.match(refused.json<{ code: string }>().code, /^(validation_failed|identity_invalid)$/);
  }
  assert.equal(await portal.services.licences.hasNonRevokedLicence(account), false);
});
