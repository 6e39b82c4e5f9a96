/**
 * EC2 instance identity documents for tests, signed by a key of the test's own (RSA-SHA256 over the
 * document's bytes, as AWS signs them), and a verifier that trusts only that key: what the portal is given
 * through `verifyIdentity` until tests use the instance-identity feature's verifier with a test certificate.
 */
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import type { SignedIdentity, VerifyIdentity } from '../../src/instance-identity/identity.verifier.js';

/** Regions the test verifier knows; any other is refused as `identity_region_unknown`. */
const REGIONS = new Set(['us-east-1', 'eu-west-1', 'ap-southeast-2']);

export interface TestIdentities {
  /** A document for an instance of `accountId`, pretty-printed as IMDS answers, and its base64 signature. */
  identityFor(accountId: string, options?: { instanceId?: string; region?: string }): SignedIdentity;
  /** Signs any text (to test what a verifier does with a signed document that is not usable). */
  signText(document: string): SignedIdentity;
  verifyIdentity: VerifyIdentity;
}

export function testIdentities(): TestIdentities {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signText = (document: string): SignedIdentity => ({ document, signature: sign('RSA-SHA256', Buffer.from(document, 'utf8'), privateKey).toString('base64') });
  let instances = 0;
  return {
    signText,
    identityFor(accountId, options = {}) {
      instances += 1;
      const region = options.region ?? 'eu-west-1';
      const document = {
        accountId,
        architecture: 'x86_64',
        availabilityZone: `${region}a`,
        imageId: 'ami-0123456789abcdef0',
        instanceId: options.instanceId ?? `i-0${instances.toString(16).padStart(16, '0')}`,
        instanceType: 't3.medium',
        pendingTime: '2026-01-10T08:00:00Z',
        privateIp: '10.0.1.23',
        region,
        version: '2017-09-30',
      };
      return signText(JSON.stringify(document, null, 2));
    },
    verifyIdentity({ document, signature }) {
      const bytes = Buffer.from(signature, 'base64');
      if (!/^[A-Za-z0-9+/=\s]+$/.test(signature) || !verify('RSA-SHA256', Buffer.from(document, 'utf8'), publicKey, bytes)) {
        return { ok: false, code: 'identity_invalid', detail: 'The identity document’s signature does not verify.' };
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(document);
      } catch {
        return { ok: false, code: 'identity_invalid', detail: 'The identity document is not JSON.' };
      }
      const { accountId, instanceId, region } = (parsed ?? {}) as Record<string, unknown>;
      if (typeof accountId !== 'string' || typeof instanceId !== 'string' || typeof region !== 'string') return { ok: false, code: 'identity_invalid', detail: 'The identity document lacks accountId, instanceId or region.' };
      if (!REGIONS.has(region)) return { ok: false, code: 'identity_region_unknown', detail: `No certificate is known for Region ${region}.` };
      return { ok: true, identity: { accountId, instanceId, region, availabilityZone: null, instanceType: null, imageId: null, pendingTime: null } };
    },
  };
}
