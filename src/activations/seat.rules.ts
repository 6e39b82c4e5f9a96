import type { LicenceStatus } from '../licences/licence.lifecycle.js';

/** The seat rules, apart from I/O: which licence an activation takes, the stale window, the churn limit. */

/** An activation counts against its licence's seats while it is not ended and its heartbeat is recent. */
export function countsAgainstSeats(activation: { endedAt: Date | null; staleAfter: Date }, now: Date): boolean {
  return activation.endedAt === null && activation.staleAfter > now;
}

export interface SeatCandidate {
  id: string;
  status: LicenceStatus;
  seats: number;
  seatsInUse: number;
  startsAt: Date;
  endsAt: Date | null;
}

export type ActivationRefusal = 'no_licence' | 'licence_pending' | 'licence_suspended' | 'licence_expired' | 'licence_revoked' | 'no_free_seat';

export type SeatChoice = { ok: true; licence: SeatCandidate } | { ok: false; code: ActivationRefusal; licence: SeatCandidate | undefined };

function usable(licence: SeatCandidate, now: Date): boolean {
  return licence.status === 'active' && licence.startsAt <= now && (licence.endsAt === null || licence.endsAt > now);
}

function refusalFor(licence: SeatCandidate, now: Date): ActivationRefusal {
  switch (licence.status) {
    case 'requested':
      return 'licence_pending';
    case 'suspended':
      return 'licence_suspended';
    case 'revoked':
      return 'licence_revoked';
    case 'expired':
      return 'licence_expired';
    case 'active':
      if (licence.startsAt > now) return 'licence_pending';
      return licence.endsAt !== null && licence.endsAt <= now ? 'licence_expired' : 'no_free_seat';
  }
}

/** Runs longest first: no end date beats any end date. */
const runsLonger = (a: SeatCandidate, b: SeatCandidate) => (b.endsAt?.getTime() ?? Infinity) - (a.endsAt?.getTime() ?? Infinity);

/** When nothing can be taken, the refusal that tells the caller most: a full licence, then a pending one… */
const REFUSAL_ORDER: ActivationRefusal[] = ['no_free_seat', 'licence_pending', 'licence_suspended', 'licence_expired', 'licence_revoked'];

/**
 * The licence an activation takes: the one asked for, or else the account's usable licence with a free seat
 * that runs longest. `licences` are the account's own (a licence ID of another account is simply not there).
 */
export function chooseLicence(licences: readonly SeatCandidate[], requestedId: string | undefined, now: Date): SeatChoice {
  if (requestedId !== undefined) {
    const licence = licences.find((l) => l.id === requestedId);
    if (licence === undefined) return { ok: false, code: 'no_licence', licence: undefined };
    if (usable(licence, now) && licence.seatsInUse < licence.seats) return { ok: true, licence };
    return { ok: false, code: refusalFor(licence, now), licence };
  }
  const free = licences.filter((l) => usable(l, now) && l.seatsInUse < l.seats).sort(runsLonger);
  if (free[0] !== undefined) return { ok: true, licence: free[0] };
  for (const code of REFUSAL_ORDER) {
    const licence = [...licences].sort(runsLonger).find((l) => refusalFor(l, now) === code);
    if (licence !== undefined) return { ok: false, code, licence };
  }
  return { ok: false, code: 'no_licence', licence: undefined };
}

export const DEACTIVATION_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * Seconds until one more deactivation is allowed, or 0 when it is allowed now. `recent` are the licence's
 * deactivations within the last 24 hours.
 */
export function deactivationWaitSeconds(recent: readonly Date[], limit: number, now: Date): number {
  if (recent.length < limit) return 0;
  const sorted = [...recent].sort((a, b) => a.getTime() - b.getTime());
  // The (count - limit + 1)th oldest must leave the window before the count drops below the limit.
  const leaving = sorted[recent.length - limit] ?? now;
  return Math.max(1, Math.ceil((leaving.getTime() + DEACTIVATION_WINDOW_MS - now.getTime()) / 1000));
}

/** A licence file is replaced once it is past half its life, so an instance offline for a while still has a valid one. */
export function needsFreshFile(file: { issuedAt: Date | null; expiresAt: Date | null }, now: Date): boolean {
  if (file.issuedAt === null || file.expiresAt === null) return true;
  const half = file.issuedAt.getTime() + (file.expiresAt.getTime() - file.issuedAt.getTime()) / 2;
  return now.getTime() >= half;
}
