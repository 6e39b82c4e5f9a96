import { createSign, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSnsSigningKey } from '../../src/emulator/sns.signer.js';

/**
 * A stand-in for AWS's per-Region signing key: one RSA key and self-signed certificate per test process,
 * written to a PEM file that portals under test trust through INSTANCE_IDENTITY_CERT_FILE.
 */
let signer: { privateKeyPem: string; certificatePem: string; certificateFile: string } | undefined;

export function testIdentitySigner() {
  if (signer === undefined) {
    const key = createSnsSigningKey();
    const certificateFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wsp-identity-')), 'identity-cert.pem');
    fs.writeFileSync(certificateFile, key.certificatePem);
    signer = { ...key, certificateFile };
  }
  return signer;
}

export interface TestInstance {
  accountId: string;
  instanceId: string;
  region: string;
}

export const newInstanceId = () => `i-${randomBytes(9).toString('hex').slice(0, 17)}`;

/** An instance identity document laid out as the metadata service serves it, and its RSA-SHA256 signature. */
export function identityFor(instance: TestInstance, privateKeyPem = testIdentitySigner().privateKeyPem): { document: string; signature: string } {
  const document = JSON.stringify(
    {
      accountId: instance.accountId,
      architecture: 'x86_64',
      availabilityZone: `${instance.region}a`,
      billingProducts: null,
      devpayProductCodes: null,
      marketplaceProductCodes: null,
      imageId: 'ami-0abcdef1234567890',
      instanceId: instance.instanceId,
      instanceType: 't3.medium',
      kernelId: null,
      pendingTime: '2026-11-01T08:00:00Z',
      privateIp: '10.0.0.12',
      ramdiskId: null,
      region: instance.region,
      version: '2017-09-30',
    },
    null,
    2,
  );
  const signature = createSign('RSA-SHA256').update(document, 'utf8').sign(privateKeyPem, 'base64');
  return { document, signature };
}
