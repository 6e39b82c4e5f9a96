import type { LicenceStatus } from '../licences/licence.lifecycle.js';
import type { LicenceTermsChange } from '../licences/licences.service.js';
import type { Entitlement } from './aws.types.js';

/**
 * From AWS Marketplace entitlements to the terms of the portal licence, and from those terms to the
 * lifecycle commands that bring an existing licence there. Pure: provisioning and (later) the
 * entitlement-updated notifications share it.
 *
 * Mapping: each dimension in force (a positive integer or double, true, or a non-empty string) names
 * part of the plan (joined with " + " in name order); integer values add up to the seats; the end date
 * is the latest expiration among them. No entitlement at all while subscribed is a pay-as-you-go
 * subscription: an open-ended licence.
 */
export const OPEN_SUBSCRIPTION_PLAN = 'subscription';
/** Pay-as-you-go subscribers are billed by AWS for what they use, so seats are generous rather than a sale. */
export const OPEN_SUBSCRIPTION_SEATS = 100;
const MAX_SEATS = 100_000;
const MAX_PLAN_LENGTH = 64;

export type DesiredLicence =
  | { kind: 'licensed' | 'open'; plan: string; seats: number; endsAt: Date | null }
  /** The contract's entitlements have all ended (at `endedAt`, the latest expiration seen). */
  | { kind: 'ended'; endedAt: Date };

export interface EntitlementScope {
  productCode: string;
  awsAccountId: string;
  licenceArn: string;
  now: Date;
}

function inForce(entitlement: Entitlement): boolean {
  const { value } = entitlement;
  switch (value?.kind) {
    case 'integer':
    case 'double':
      return value.value > 0;
    case 'boolean':
      return value.value;
    case 'string':
      return value.value !== '';
    case undefined:
      return false;
  }
}

const integerSeats = (entitlement: Entitlement): number => (entitlement.value?.kind === 'integer' ? Math.max(0, Math.trunc(entitlement.value.value)) : 0);

export function desiredLicence(entitlements: readonly Entitlement[], scope: EntitlementScope): DesiredLicence {
  // Only this product, this buyer and (when AWS says which) this agreement's licence.
  const ours = entitlements.filter(
    (e) =>
      (e.productCode === undefined || e.productCode === scope.productCode) &&
      (e.awsAccountId === undefined || e.awsAccountId === scope.awsAccountId) &&
      (e.licenceArn === undefined || e.licenceArn === scope.licenceArn),
  );
  if (ours.length === 0) return { kind: 'open', plan: OPEN_SUBSCRIPTION_PLAN, seats: OPEN_SUBSCRIPTION_SEATS, endsAt: null };

  const current = ours.filter((e) => inForce(e) && (e.expiresAt === undefined || e.expiresAt > scope.now));
  if (current.length === 0) {
    const dates = ours.flatMap((e) => (e.expiresAt === undefined ? [] : [e.expiresAt.getTime()]));
    return { kind: 'ended', endedAt: new Date(dates.length === 0 ? scope.now.getTime() : Math.max(...dates)) };
  }

  const dimensions = [...new Set(current.map((e) => e.dimension ?? 'marketplace'))].sort();
  let plan = dimensions.join(' + ');
  if (plan.length > MAX_PLAN_LENGTH) plan = `${plan.slice(0, MAX_PLAN_LENGTH - 1)}…`;
  const seats = Math.min(MAX_SEATS, Math.max(1, current.reduce((sum, e) => sum + integerSeats(e), 0)));
  const endsAt = current.some((e) => e.expiresAt === undefined) ? null : new Date(Math.max(...current.map((e) => e.expiresAt?.getTime() ?? 0)));
  return { kind: 'licensed', plan, seats, endsAt };
}

export interface CurrentLicence {
  status: LicenceStatus;
  plan: string;
  seats: number;
  startsAt: Date;
  endsAt: Date | null;
}

export type LicenceChange =
  | { op: 'create'; plan: string; seats: number; endsAt: Date | null }
  | { op: 'approve'; endsAt: Date | null }
  | { op: 'renew'; endsAt: Date | null }
  | ({ op: 'amend' } & LicenceTermsChange)
  | { op: 'expire' };

export type ChangePlan = { ok: true; changes: LicenceChange[] } | { ok: false; reason: 'revoked' | 'nothing_to_provision' };

const sameDate = (a: Date | null, b: Date | null) => (a === null ? b === null : b !== null && a.getTime() === b.getTime());

/** The lifecycle commands, in order, that take the licence (if any) to the desired terms; empty when it is already there. */
export function planLicenceChanges(current: CurrentLicence | undefined, desired: DesiredLicence, now: Date): ChangePlan {
  if (current === undefined) {
    if (desired.kind === 'ended') return { ok: false, reason: 'nothing_to_provision' };
    return { ok: true, changes: [{ op: 'create', plan: desired.plan, seats: desired.seats, endsAt: desired.endsAt }] };
  }
  if (current.status === 'revoked') return { ok: false, reason: 'revoked' };

  if (desired.kind === 'ended') {
    if (current.status === 'expired' || current.status === 'requested') return { ok: true, changes: [] };
    const changes: LicenceChange[] = [];
    let endsAt = current.endsAt;
    if (endsAt === null || endsAt > now) {
      // The end cannot precede the start; a licence started after its contract ended simply ends at once.
      endsAt = new Date(Math.max(desired.endedAt.getTime(), current.startsAt.getTime() + 1000));
      changes.push({ op: 'amend', endsAt });
    }
    if (endsAt <= now) changes.push({ op: 'expire' });
    return { ok: true, changes };
  }

  const changes: LicenceChange[] = [];
  let endsAt = current.endsAt;
  if (current.status === 'requested') {
    changes.push({ op: 'approve', endsAt: desired.endsAt });
    endsAt = desired.endsAt;
  } else if (current.status === 'expired' || (current.status === 'active' && isLater(desired.endsAt, current.endsAt))) {
    changes.push({ op: 'renew', endsAt: desired.endsAt });
    endsAt = desired.endsAt;
  }
  const amend: Extract<LicenceChange, { op: 'amend' }> = { op: 'amend' };
  if (desired.plan !== current.plan) amend.plan = desired.plan;
  if (desired.seats !== current.seats) amend.seats = desired.seats;
  if (!sameDate(desired.endsAt, endsAt)) amend.endsAt = desired.endsAt;
  if (Object.keys(amend).length > 1) changes.push(amend);
  return { ok: true, changes };
}

/** Whether `next` is a later end than `current` (no end date is the latest of all). */
function isLater(next: Date | null, current: Date | null): boolean {
  if (current === null) return false;
  return next === null || next > current;
}
