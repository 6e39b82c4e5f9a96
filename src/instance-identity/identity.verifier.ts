import { createPublicKey, verify as verifySignature, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AWS_IDENTITY_CERTIFICATES } from './aws-certificates.js';

/**
 * Proof of an AWS account: the EC2 instance identity document, exactly as the instance metadata service
 * returned it, checked against AWS's RSA certificate for the document's Region (pinned in
 * aws-certificates.ts) with its base64 RSA-SHA256 signature. The JSON is parsed from the verified bytes only.
 */
export interface SignedIdentity {
  document: string;
  signature: string;
}

export interface InstanceIdentity {
  accountId: string;
  instanceId: string;
  region: string;
  availabilityZone: string | null;
  instanceType: string | null;
  imageId: string | null;
  pendingTime: Date | null;
}

export type IdentityRefusalCode = 'identity_invalid' | 'identity_region_unknown';
export type IdentityResult = { ok: true; identity: InstanceIdentity } | { ok: false; code: IdentityRefusalCode; detail: string };
export type VerifyIdentity = (identity: SignedIdentity) => IdentityResult;

const MAX_DOCUMENT_BYTES = 4096;
/** An RSA signature is at most 512 bytes (4096-bit keys); base64 of that, with line breaks, stays below this. */
const MAX_SIGNATURE_CHARS = 1024;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** Only to choose the certificate: nothing else is read from the document before its signature checks out. */
const REGION_FIELD = /"region"\s*:\s*"([a-z]{2}(?:-[a-z]+)+-\d)"/;

const invalid = (detail: string): IdentityResult => ({ ok: false, code: 'identity_invalid', detail });

function publicKeyOf(pem: string): KeyObject {
  return createPublicKey(new X509Certificate(pem).publicKey.export({ format: 'pem', type: 'spki' }));
}

const optionalString = (value: unknown) => (typeof value === 'string' && value.length > 0 && value.length <= 128 ? value : null);

/**
 * A verifier over the pinned certificates, plus `extraCertificatePem` (INSTANCE_IDENTITY_CERT_FILE: the
 * emulator's, or a test's) trusted for every Region, pinned or not. Keys are parsed once, here.
 */
export function createIdentityVerifier(options: { extraCertificatePem?: string } = {}): VerifyIdentity {
  const regional = new Map<string, KeyObject>();
  const byPem = new Map<string, KeyObject>();
  for (const [region, pem] of Object.entries(AWS_IDENTITY_CERTIFICATES)) {
    let key = byPem.get(pem);
    if (key === undefined) {
      key = publicKeyOf(pem);
      byPem.set(pem, key);
    }
    regional.set(region, key);
  }
  const extra = options.extraCertificatePem === undefined ? undefined : publicKeyOf(options.extraCertificatePem);

  return ({ document, signature }) => {
    if (typeof document !== 'string' || typeof signature !== 'string') return invalid('The identity needs the document and the signature as strings.');
    const bytes = Buffer.from(document, 'utf8');
    if (bytes.length === 0 || bytes.length > MAX_DOCUMENT_BYTES) return invalid('The identity document is empty or larger than an instance identity document can be.');
    // The metadata service may wrap the base64 in lines.
    const compact = signature.replace(/\s+/g, '');
    if (compact.length === 0 || compact.length > MAX_SIGNATURE_CHARS || !BASE64.test(compact)) return invalid('The signature is not base64. Send /latest/dynamic/instance-identity/signature exactly as the metadata service returns it.');
    const region = REGION_FIELD.exec(document)?.[1];
    if (region === undefined) return invalid('The identity document names no Region. Send /latest/dynamic/instance-identity/document exactly as the metadata service returns it.');
    const keys = [regional.get(region), extra].filter((k): k is KeyObject => k !== undefined);
    if (keys.length === 0) return { ok: false, code: 'identity_region_unknown', detail: `The Region ${region} is not one whose AWS certificate this portal holds.` };
    const signatureBytes = Buffer.from(compact, 'base64');
    if (!keys.some((key) => verifySignature('RSA-SHA256', bytes, key, signatureBytes))) {
      return invalid('The signature does not match the identity document: send both exactly as the metadata service returned them.');
    }

    let parsed: unknown;
    try {
      parsed = JSON.parse(document);
    } catch {
      return invalid('The signed identity document is not JSON.');
    }
    if (typeof parsed !== 'object' || parsed === null) return invalid('The signed identity document is not a JSON object.');
    const fields = parsed as Record<string, unknown>;
    // The Region that chose the key must be the document's own (a second "region" inside another field cannot pick it).
    if (fields.region !== region) return invalid('The identity document names its Region more than once.');
    if (typeof fields.accountId !== 'string' || !/^\d{12}$/.test(fields.accountId)) return invalid('The identity document has no valid 12-digit accountId.');
    if (typeof fields.instanceId !== 'string' || !/^i-[0-9a-f]{8,17}$/.test(fields.instanceId)) return invalid('The identity document has no valid instanceId.');
    const pending = optionalString(fields.pendingTime);
    const pendingTime = pending === null ? null : new Date(pending);
    return {
      ok: true,
      identity: {
        accountId: fields.accountId,
        instanceId: fields.instanceId,
        region,
        availabilityZone: optionalString(fields.availabilityZone),
        instanceType: optionalString(fields.instanceType),
        imageId: optionalString(fields.imageId),
        pendingTime: pendingTime === null || Number.isNaN(pendingTime.getTime()) ? null : pendingTime,
      },
    };
  };
}

/** The verifier the portal runs with: the pinned certificates, and INSTANCE_IDENTITY_CERT_FILE when set. */
export function loadIdentityVerifier(certificateFile: string | undefined): VerifyIdentity {
  if (certificateFile === undefined) return createIdentityVerifier();
  let pem: string;
  try {
    pem = readFileSync(certificateFile, 'utf8');
    new X509Certificate(pem);
  } catch (error) {
    throw new Error(`INSTANCE_IDENTITY_CERT_FILE (${certificateFile}) is not a readable PEM certificate: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return createIdentityVerifier({ extraCertificatePem: pem });
}
