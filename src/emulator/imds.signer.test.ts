import assert from 'node:assert/strict';
import { verify, X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { createImdsSigner, identityDocument, wrapBase64 } from './imds.signer.js';
import type { Ec2Instance } from './instances.state.js';

const instance: Ec2Instance = {
  instanceId: 'i-0123456789abcdef0',
  awsAccountId: '123456789012',
  region: 'eu-west-2',
  availabilityZone: 'eu-west-2a',
  imageId: 'ami-0abcdef1234567890',
  instanceType: 't3.medium',
  architecture: 'x86_64',
  pendingTime: '2026-12-02T10:00:00Z',
  privateIp: '10.1.2.3',
};

test('the identity document is laid out as EC2 serves it: 2-space indent, fixed key order, nulls', () => {
  assert.equal(
    identityDocument(instance),
    [
      '{',
      '  "accountId": "123456789012",',
      '  "architecture": "x86_64",',
      '  "availabilityZone": "eu-west-2a",',
      '  "billingProducts": null,',
      '  "devpayProductCodes": null,',
      '  "marketplaceProductCodes": null,',
      '  "imageId": "ami-0abcdef1234567890",',
      '  "instanceId": "i-0123456789abcdef0",',
      '  "instanceType": "t3.medium",',
      '  "kernelId": null,',
      '  "pendingTime": "2026-12-02T10:00:00Z",',
      '  "privateIp": "10.1.2.3",',
      '  "ramdiskId": null,',
      '  "region": "eu-west-2",',
      '  "version": "2017-09-30"',
      '}',
    ].join('\n'),
  );
});

test('the signature is RSA-SHA256 over the exact bytes, in 64-character base64 lines, verified by the self-signed certificate', () => {
  const signer = createImdsSigner();
  const certificate = new X509Certificate(signer.certificatePem);
  assert.ok(certificate.verify(certificate.publicKey), 'self-signed');
  const document = signer.identityDocument(instance);
  const signature = signer.signature(document);
  const lines = signature.split('\n');
  assert.ok(lines.length > 1);
  assert.ok(lines.slice(0, -1).every((line) => line.length === 64));
  assert.ok((lines.at(-1) ?? '').length <= 64);
  const bytes = Buffer.from(signature.replace(/\s/g, ''), 'base64');
  assert.equal(bytes.length, 256, 'RSA-2048');
  assert.ok(verify('RSA-SHA256', Buffer.from(document), signer.certificatePem, bytes));
  assert.ok(!verify('RSA-SHA256', Buffer.from(document.replace('10.1.2.3', '10.1.2.4')), signer.certificatePem, bytes));
});

test('wrapBase64 wraps at 64 characters', () => {
  assert.equal(wrapBase64('a'.repeat(130)), `${'a'.repeat(64)}\n${'a'.repeat(64)}\naa`);
  assert.equal(wrapBase64(''), '');
});
