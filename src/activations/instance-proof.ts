import type { SignedIdentity, VerifyIdentity } from '../instance-identity/identity.verifier.js';
import { AppError } from '../core/errors.js';

/** The instance a verified bearer secret belongs to. */
export interface InstanceCaller {
  instanceId: string;
  awsAccountId: string;
}

export const instanceSecretRequired = () =>
  new AppError('instance_secret_required', 'This instance is already registered: send its instance secret as Authorization: Bearer <instanceSecret>.', 401);

/** What a verified identity document says, as the licence API uses it. */
export type ProvenInstance = Pick<Extract<ReturnType<VerifyIdentity>, { ok: true }>['identity'], 'accountId' | 'instanceId' | 'region'>;
export type { SignedIdentity as IdentityProof, VerifyIdentity };
