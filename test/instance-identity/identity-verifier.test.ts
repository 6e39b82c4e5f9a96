import assert from 'node:assert/strict';
import { createSign, X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { createSnsSigningKey } from '../../src/emulator/sns.signer.js';
import { AWS_IDENTITY_CERTIFICATES } from '../../src/instance-identity/aws-certificates.js';
import { createIdentityVerifier } from '../../src/instance-identity/identity.verifier.js';

const key = createSnsSigningKey();
const other = createSnsSigningKey();
const sign = (document: string, privateKeyPem = key.privateKeyPem) => createSign('RSA-SHA256').update(document, 'utf8').sign(privateKeyPem, 'base64');
const documentFor = (fields: Record<string, unknown> = {}) =>
  JSON.stringify({ accountId: '123456789012', availabilityZone: 'eu-west-1a', imageId: 'ami-0abc', instanceId: 'i-0123456789abcdef0', instanceType: 't3.small', pendingTime: '2026-11-01T08:00:00Z', region: 'eu-west-1', version: '2017-09-30', ...fields }, null, 2);
const verify = createIdentityVerifier({ extraCertificatePem: key.certificatePem });

test('every commercial Region pinned has a parseable RSA certificate', () => {
  const regions = Object.keys(AWS_IDENTITY_CERTIFICATES);
  for (const region of ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-2', 'sa-east-1', 'af-south-1', 'ap-east-1', 'me-south-1', 'eu-south-1', 'il-central-1']) assert.ok(regions.includes(region), region);
  for (const [region, pem] of Object.entries(AWS_IDENTITY_CERTIFICATES)) assert.equal(new X509Certificate(pem).publicKey.asymmetricKeyType, 'rsa', region);
});

test('a document signed by a trusted key verifies, parsed from the verified bytes', () => {
  const document = documentFor();
  const result = verify({ document, signature: sign(document) });
  assert.ok(result.ok, JSON.stringify(result));
  assert.deepEqual([result.identity.accountId, result.identity.instanceId, result.identity.region, result.identity.instanceType], ['123456789012', 'i-0123456789abcdef0', 'eu-west-1', 't3.small']);
  // The metadata service wraps the base64 in lines.
  const wrapped = sign(document).replace(/(.{64})/g, '$1\n');
  assert.equal(verify({ document, signature: wrapped }).ok, true);
});

test('tampered documents, other keys, bad base64 and unusable fields are identity_invalid', () => {
  const document = documentFor();
  const signature = sign(document);
  const cases = [
    { document: document.replace('123456789012', '999999999999'), signature },
    { document, signature: sign(document, other.privateKeyPem) },
    { document, signature: 'not base64!' },
    { document, signature: '' },
    { document: `${document} `, signature },
    { document: 'x'.repeat(5000), signature },
    { document: documentFor({ accountId: '1234' }), signature: sign(documentFor({ accountId: '1234' })) },
    { document: documentFor({ instanceId: 'i-xyz' }), signature: sign(documentFor({ instanceId: 'i-xyz' })) },
    { document: '{"region": "eu-west-1", not json', signature: sign('{"region": "eu-west-1", not json') },
  ];
  for (const identity of cases) {
    const result = verify(identity);
    assert.ok(!result.ok, identity.document.slice(0, 40));
    assert.equal(result.code, 'identity_invalid');
    assert.match(result.detail, /^[A-Z].*\.$/);
  }
});

test('a Region with no certificate is identity_region_unknown; the extra certificate is trusted for every Region', () => {
  const document = documentFor({ region: 'xx-nowhere-1', availabilityZone: 'xx-nowhere-1a' });
  const pinnedOnly = createIdentityVerifier();
  const refused = pinnedOnly({ document, signature: sign(document) });
  assert.deepEqual([refused.ok, !refused.ok && refused.code], [false, 'identity_region_unknown']);
  assert.equal(verify({ document, signature: sign(document) }).ok, true);
  // Without the extra certificate, a pinned Region needs AWS's own signature.
  const inIreland = documentFor();
  const notAws = pinnedOnly({ document: inIreland, signature: sign(inIreland) });
  assert.deepEqual([notAws.ok, !notAws.ok && notAws.code], [false, 'identity_invalid']);
});

test('a second "region" inside another field cannot choose the key', () => {
  // The first "region" the key is chosen by sits in a nested object; the document's own says otherwise.
  const document = JSON.stringify({ meta: { region: 'xx-nowhere-1' }, accountId: '123456789012', instanceId: 'i-0123456789abcdef0', region: 'eu-west-1' });
  const result = verify({ document, signature: sign(document) });
  assert.deepEqual([result.ok, !result.ok && result.detail], [false, 'The identity document names its Region more than once.']);
});
