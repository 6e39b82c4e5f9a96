/**
 * What My Entitlements needs from the licence API's activations (src/activations, a feature above this one,
 * so it comes in through app.ts as this narrow port).
 */
export interface SeatHolder {
  id: string;
  licenceId: string;
  instanceId: string;
  region: string;
  hostname: string | null;
  lastHeartbeatAt: Date;
  /** It stops counting against the seats at this moment unless a heartbeat comes first. */
  staleAfter: Date;
}

export type OwnerDeactivation = 'deactivated' | 'not_found' | 'already_ended' | 'limit_reached';

export interface SeatHolders {
  /** The account's activations not ended (alive or stale). */
  listOpen(awsAccountId: string): Promise<SeatHolder[]>;
  /** The owner frees a seat from My Entitlements; the same daily limit as instances' own deactivations applies. */
  deactivateForOwner(activationId: string, awsAccountId: string): Promise<OwnerDeactivation>;
}
