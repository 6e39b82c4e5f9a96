/**
 * Licence files and their keys: the JWKS at both addresses (cacheable), rotation while the portal runs
 * (files signed before keep verifying until they expire; then the old key leaves the JWKS), private keys
 * sealed at rest, and one first key however many portals start signing at once.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createServices } from '../../src/services.js';
import { createLicenceFileVerifier, type JsonWebKeySet } from '../../src/licence-files/licence-file.verify.js';
import { activate, newAccountId, newInstance } from '../support/licence-api.js';
import { createTestPortal, issueLicence, type TestPortal } from '../support/test-portal.js';

let portal: TestPortal;
before(async () => {
  portal = await createTestPortal();
});
after(() => portal.close());

const DAY = 86_400_000;
const jwks = async (url: string) => {
  const response = await portal.app.inject({ method: 'GET', url });
  assert.equal(response.statusCode, 200);
  assert.equal(response.headers['cache-control'], 'public, max-age=300');
  return response.json<JsonWebKeySet>();
};

async function activatedFile() {
  const account = newAccountId();
  await issueLicence(portal, account, { seats: 5 });
  const instance = newInstance(account);
  const first = await activate(portal, instance);
  assert.equal(first.status, 201);
  return { file: first.body.licenceFile ?? '', instanceId: instance.instanceId };
}

test('the JWKS is served at /api/v1/keys and /.well-known/jwks.json, and verifies an activation\'s licence file offline', async () => {
  const { file, instanceId } = await activatedFile();
  const api = await jwks('/api/v1/keys');
  assert.deepEqual(await jwks('/.well-known/jwks.json'), api);
  assert.equal(api.keys.length, 1);
  assert.deepEqual([api.keys[0]?.kty, api.keys[0]?.crv, api.keys[0]?.alg], ['OKP', 'Ed25519', 'EdDSA']);
  assert.equal(JSON.stringify(api).includes('"d"'), false, 'no private part');
  const verdict = createLicenceFileVerifier(api).verify(file, { now: portal.clock.now(), instanceId, issuer: portal.config.publicUrl.origin });
  assert.ok(verdict.ok, JSON.stringify(verdict));
  assert.equal(verdict.claims.status, 'active');
});

test('after a rotation new files carry the new key; old files keep verifying until they expire, then the old key leaves the JWKS', async () => {
  const before = await activatedFile();
  const oldKid = (await jwks('/api/v1/keys')).keys[0]?.kid;
  const rotated = await portal.services.licenceFiles.rotate('test');
  assert.equal(rotated.retired?.kid, oldKid);
  const after = await activatedFile();
  const keys = await jwks('/api/v1/keys');
  assert.deepEqual(keys.keys.map((k) => k.kid), [rotated.kid, oldKid]);
  const verifier = createLicenceFileVerifier(keys);
  const oldVerdict = verifier.verify(before.file, { now: portal.clock.now() });
  const newVerdict = verifier.verify(after.file, { now: portal.clock.now() });
  assert.ok(oldVerdict.ok && newVerdict.ok);
  assert.deepEqual([oldVerdict.kid, newVerdict.kid], [oldKid, rotated.kid]);

  // Past the longest life of a file signed before the rotation (30 days and a margin), the old key is gone.
  portal.clock.advance(31 * DAY);
  assert.deepEqual((await jwks('/.well-known/jwks.json')).keys.map((k) => k.kid), [rotated.kid]);
  const audit = await portal.services.db.selectFrom('audit_events').select('details').where('event', '=', 'signing_key.rotated').execute();
  assert.equal(audit.length, 1);
});

test('private keys are sealed at rest: the stored row holds no usable key', async () => {
  const rows = await portal.services.db.selectFrom('signing_keys').selectAll().execute();
  assert.ok(rows.length > 0);
  for (const row of rows) {
    assert.match(row.private_key_sealed, /^v1\./);
    assert.doesNotMatch(row.private_key_sealed, /PRIVATE KEY/);
    assert.equal('d' in row.public_jwk, false);
  }
});

test('two portals signing their first file at once make one current key', async () => {
  const fresh = await createTestPortal();
  try {
    const second = await createServices(fresh.config, { clock: fresh.clock, role: 'command' });
    try {
      const licence = await issueLicence(fresh, newAccountId());
      const input = { licence, instanceId: 'i-0123456789abcdef0', activationId: '00000000-0000-4000-8000-000000000001', graceSeconds: 0 };
      const files = await Promise.all([fresh.services.licenceFiles.issue(input), second.licenceFiles.issue(input), fresh.services.licenceFiles.issue(input), second.licenceFiles.issue(input)]);
      assert.equal(new Set(files.map((f) => f.kid)).size, 1);
      const rows = await fresh.services.db.selectFrom('signing_keys').select('kid').execute();
      assert.equal(rows.length, 1);
    } finally {
      await second.close();
    }
  } finally {
    await fresh.close();
  }
});
