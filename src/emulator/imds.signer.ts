/**
 * The instance metadata service's identity documents and their signatures. EC2 serves
 * /latest/dynamic/instance-identity/document as pretty-printed JSON (2-space indent, fixed key order) and
 * /signature as base64 RSA-SHA256 over the document's exact bytes, in 64-character lines; a verifier checks it
 * against AWS's per-Region certificate — here the emulator's self-signed one.
 */
import { createSign } from 'node:crypto';
import type { Ec2Instance } from './instances.state.js';
import { createSigningKey, type SigningKey } from './signing-key.js';

export const IDENTITY_DOCUMENT_VERSION = '2017-09-30';

/** The document text exactly as EC2 serves it (no trailing newline). */
export function identityDocument(instance: Ec2Instance): string {
  // The key order of EC2's document: JSON.stringify keeps insertion order.
  const document = {
    accountId: instance.awsAccountId,
    architecture: instance.architecture,
    availabilityZone: instance.availabilityZone,
    billingProducts: null,
    devpayProductCodes: null,
    marketplaceProductCodes: null,
    imageId: instance.imageId,
    instanceId: instance.instanceId,
    instanceType: instance.instanceType,
    kernelId: null,
    pendingTime: instance.pendingTime,
    privateIp: instance.privateIp,
    ramdiskId: null,
    region: instance.region,
    version: IDENTITY_DOCUMENT_VERSION,
  };
  return JSON.stringify(document, null, 2);
}

/** Base64 in lines of `width` characters joined by \n, as the metadata service writes its signatures. */
export const wrapBase64 = (base64: string, width = 64): string => (base64.match(new RegExp(`.{1,${width}}`, 'g')) ?? []).join('\n');

/** Base64 RSA-SHA256 over the document's UTF-8 bytes, in 64-character lines. */
export const signIdentityDocument = (document: string, key: SigningKey): string => wrapBase64(createSign('RSA-SHA256').update(document, 'utf8').sign(key.privateKeyPem, 'base64'));

export const createImdsSigningKey = (): SigningKey => createSigningKey({ commonName: 'imds.emulator.localhost' });

export interface ImdsSigner {
  /** The certificate a verifier trusts (the portal reads it from INSTANCE_IDENTITY_CERT_FILE). */
  certificatePem: string;
  identityDocument(instance: Ec2Instance): string;
  signature(document: string): string;
}

export function createImdsSigner(options: { key?: SigningKey } = {}): ImdsSigner {
  const key = options.key ?? createImdsSigningKey();
  return { certificatePem: key.certificatePem, identityDocument, signature: (document) => signIdentityDocument(document, key) };
}
