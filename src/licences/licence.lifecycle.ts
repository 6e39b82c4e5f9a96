/**
 * The licence lifecycle as a pure state machine. Every change to a licence's status goes through
 * `applyTransition`; the service records each result (actor, reason, time) in licence_transitions.
 *
 *   (new) --request--> requested --approve--> active       requested --reject--> revoked (a request turned down)
 *   (new) --issue----> active <--reinstate-- suspended <--suspend-- active
 *   active|expired --renew--> active (new end date)      active|suspended --expire--> expired (at end date)
 *   any but revoked --revoke--> revoked (final)
 *   active|suspended --amend--> same status (changed terms: plan, seats, end date; e.g. a Marketplace upgrade)
 */
export const LICENCE_STATUSES = ['requested', 'active', 'suspended', 'expired', 'revoked'] as const;
export type LicenceStatus = (typeof LICENCE_STATUSES)[number];
export const LICENCE_SOURCES = ['direct', 'marketplace', 'trial'] as const;
export type LicenceSource = (typeof LICENCE_SOURCES)[number];

export interface LicenceTerms {
  status: LicenceStatus;
  startsAt: Date;
  endsAt: Date | null;
}

export type LicenceCommand =
  | { action: 'request'; startsAt: Date; endsAt: Date | null }
  | { action: 'issue'; startsAt: Date; endsAt: Date | null }
  | { action: 'approve'; endsAt?: Date | null }
  | { action: 'reject' }
  | { action: 'suspend' }
  | { action: 'reinstate' }
  | { action: 'renew'; endsAt: Date | null }
  | { action: 'expire' }
  | { action: 'revoke' }
  /** Changes the terms without changing the status; `endsAt` undefined keeps the end date (plan and seats live beside the terms). */
  | { action: 'amend'; endsAt?: Date | null };

export type TransitionResult =
  | { ok: true; from: LicenceStatus | null; next: LicenceTerms }
  | { ok: false; message: string };

const refuse = (message: string): TransitionResult => ({ ok: false, message });

export function applyTransition(current: LicenceTerms | undefined, command: LicenceCommand, now: Date): TransitionResult {
  if (command.action === 'request' || command.action === 'issue') {
    if (current !== undefined) return refuse(`This licence already exists; it cannot be ${command.action === 'issue' ? 'issued' : 'requested'} again.`);
    if (command.endsAt !== null && command.endsAt <= command.startsAt) return refuse('The end date must be after the start date.');
    if (command.endsAt !== null && command.endsAt <= now) return refuse('The end date must be in the future.');
    const status = command.action === 'issue' ? 'active' : 'requested';
    return { ok: true, from: null, next: { status, startsAt: command.startsAt, endsAt: command.endsAt } };
  }
  if (current === undefined) return refuse('There is no such licence.');
  const from = current.status;
  if (from === 'revoked') return refuse('This licence is revoked; revocation is final.');
  const to = (status: LicenceStatus, changes: Partial<LicenceTerms> = {}): TransitionResult => ({ ok: true, from, next: { ...current, ...changes, status } });

  switch (command.action) {
    case 'approve': {
      if (from !== 'requested') return refuse(`Only a requested licence can be approved; this one is ${from}.`);
      const endsAt = command.endsAt === undefined ? current.endsAt : command.endsAt;
      if (endsAt !== null && endsAt <= now) return refuse('The end date must be in the future.');
      return to('active', { endsAt, startsAt: now > current.startsAt ? now : current.startsAt });
    }
    case 'reject':
      return from === 'requested' ? to('revoked') : refuse(`Only a requested licence can be rejected; this one is ${from}.`);
    case 'suspend':
      return from === 'active' ? to('suspended') : refuse(`Only an active licence can be suspended; this one is ${from}.`);
    case 'reinstate':
      if (from !== 'suspended') return refuse(`Only a suspended licence can be reinstated; this one is ${from}.`);
      if (current.endsAt !== null && current.endsAt <= now) return refuse('This licence has passed its end date; renew it instead.');
      return to('active');
    case 'renew':
      if (from !== 'active' && from !== 'expired') return refuse(`Only an active or expired licence can be renewed; this one is ${from}.`);
      if (command.endsAt !== null && command.endsAt <= now) return refuse('The new end date must be in the future.');
      if (command.endsAt !== null && current.endsAt !== null && command.endsAt <= current.endsAt && from === 'active') {
        return refuse('The new end date must be later than the current one.');
      }
      return to('active', { endsAt: command.endsAt });
    case 'expire':
      if (from !== 'active' && from !== 'suspended') return refuse(`Only an active or suspended licence can expire; this one is ${from}.`);
      if (current.endsAt === null || current.endsAt > now) return refuse('This licence has not reached its end date.');
      return to('expired');
    case 'revoke':
      return to('revoked');
    case 'amend': {
      if (from !== 'active' && from !== 'suspended') return refuse(`Only an active or suspended licence can be amended; this one is ${from}.`);
      const endsAt = command.endsAt === undefined ? current.endsAt : command.endsAt;
      // A past end date is allowed (a contract that ended early): the licence then expires through "expire".
      if (endsAt !== null && endsAt <= current.startsAt) return refuse('The end date must be after the start date.');
      return to(from, { endsAt });
    }
  }
}

/** What customers see: "pending" for requested, "expiring" within 30 days of the end, "expired" past it. */
export type DisplayStatus = 'pending' | 'active' | 'expiring' | 'suspended' | 'expired' | 'revoked';
const EXPIRING_WITHIN_MS = 30 * 24 * 60 * 60 * 1000;

export function displayStatus(terms: LicenceTerms, now: Date): DisplayStatus {
  switch (terms.status) {
    case 'requested':
      return 'pending';
    case 'active':
      if (terms.endsAt !== null && terms.endsAt <= now) return 'expired';
      if (terms.endsAt !== null && terms.endsAt.getTime() - now.getTime() <= EXPIRING_WITHIN_MS) return 'expiring';
      return 'active';
    default:
      return terms.status;
  }
}

/**
 * The first moment after `now` at which any of these licences would show a different display status
 * (active → expiring 30 days before the end, expiring → expired at the end), or null if none ever will.
 */
export function nextDisplayChange(licences: readonly LicenceTerms[], now: Date): Date | null {
  let next: number | null = null;
  for (const { status, endsAt } of licences) {
    if (status !== 'active' || endsAt === null) continue;
    for (const boundary of [endsAt.getTime() - EXPIRING_WITHIN_MS, endsAt.getTime()]) {
      if (boundary > now.getTime() && (next === null || boundary < next)) next = boundary;
    }
  }
  return next === null ? null : new Date(next);
}
