/**
 * The proof of an AWS account a WebStream instance sends (its EC2 instance identity document and signature)
 * is checked by the instance-identity feature; this feature takes the verifier as a dependency, so tests
 * can pass one built on a key of their own.
 */
import type { VerifyIdentity } from '../instance-identity/identity.verifier.js';

export type { SignedIdentity, VerifyIdentity } from '../instance-identity/identity.verifier.js';

export type VerifiedIdentity = Extract<ReturnType<VerifyIdentity>, { ok: true }>['identity'];

/** What this feature stores of a verified identity must fit its columns, whatever verifier is connected. */
export function usableIdentity(identity: Pick<VerifiedIdentity, 'accountId' | 'instanceId' | 'region'>): boolean {
  return /^[0-9]{12}$/.test(identity.accountId) && /^[A-Za-z0-9-]{1,64}$/.test(identity.instanceId) && /^[a-z0-9-]{1,64}$/.test(identity.region);
}
