/**
 * The proof of an AWS account that a WebStream instance sends: its EC2 instance identity document, exactly
 * as the instance metadata service returned it, and the document's base64 RSA-SHA256 signature. Checking it
 * (AWS's pinned per-Region certificates) is the instance-identity feature's job; this feature takes the
 * verifier as a dependency of this type, so tests pass one built on a key of their own.
 */
export interface SignedIdentity {
  document: string;
  signature: string;
}

export interface VerifiedIdentity {
  accountId: string;
  instanceId: string;
  region: string;
}

export type IdentityRefusalCode = 'identity_invalid' | 'identity_region_unknown';

export type VerifyIdentity = (identity: SignedIdentity) => { ok: true; identity: VerifiedIdentity } | { ok: false; code: IdentityRefusalCode; detail: string };

/** The verifier until the real one is connected: every document is refused, with a reason an operator can act on. */
export const verifierNotConfigured: VerifyIdentity = () => ({
  ok: false,
  code: 'identity_invalid',
  detail: 'This portal cannot verify EC2 instance identity documents yet, so it cannot accept this proof. Please contact WebStream support.',
});

/** What this feature stores of a verified identity must fit its columns, whatever verifier is connected. */
export function usableIdentity(identity: VerifiedIdentity): boolean {
  return /^[0-9]{12}$/.test(identity.accountId) && /^[A-Za-z0-9-]{1,64}$/.test(identity.instanceId) && /^[a-z0-9-]{1,64}$/.test(identity.region);
}
