import { AppError } from '../core/errors.js';

/** The EC2 instance identity document and its base64 RSA-SHA256 signature, as the instance metadata service gives them. */
export interface IdentityProof {
  document: string;
  signature: string;
}

/** What a verified identity document says (only the facts the licence API uses). */
export interface ProvenInstance {
  accountId: string;
  instanceId: string;
  region: string;
}

export type IdentityCheck = { ok: true; identity: ProvenInstance } | { ok: false; code: 'identity_invalid' | 'identity_region_unknown'; detail: string };

/** Checks an identity document against AWS's certificate for its Region (src/instance-identity). */
export type VerifyIdentity = (proof: IdentityProof) => IdentityCheck;

/** The instance a verified bearer secret belongs to. */
export interface InstanceCaller {
  instanceId: string;
  awsAccountId: string;
}

export const instanceSecretRequired = () =>
  new AppError('instance_secret_required', 'This instance is already registered: send its instance secret as Authorization: Bearer <instanceSecret>.', 401);
