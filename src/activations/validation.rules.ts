import type { LicenceStatus } from '../licences/licence.lifecycle.js';

/**
 * What `POST /api/v1/licences/validate` answers, as a pure function of the licence, the caller's activation
 * and the time. `valid` is true for `valid` and `grace_period` only.
 */
export const VALIDATION_CODES = [
  'valid',
  'grace_period',
  'expired',
  'suspended',
  'revoked',
  'pending',
  'not_activated',
  'too_many_activations',
  'heartbeat_dead',
  'unknown',
] as const;
export type ValidationCode = (typeof VALIDATION_CODES)[number];

export interface ValidatedLicence {
  status: LicenceStatus;
  seats: number;
  startsAt: Date;
  endsAt: Date | null;
}

export interface ValidatedActivation {
  endedReason: string | null;
  staleAfter: Date;
  /** 1 for the longest-running activation that counts against the seats, 2 for the next… (null when it does not count). */
  seatRank: number | null;
}

export interface ValidationInput {
  /** Undefined when there is no such licence or it is not the caller's: the same answer, so nothing leaks. */
  licence: ValidatedLicence | undefined;
  /** The caller's latest activation on that licence, if any. */
  activation: ValidatedActivation | undefined;
  now: Date;
  graceSeconds: number;
}

export interface Validation {
  valid: boolean;
  code: ValidationCode;
  detail: string;
}

const answer = (code: ValidationCode, detail: string): Validation => ({ valid: code === 'valid' || code === 'grace_period', code, detail });
const day = (date: Date) => date.toISOString().slice(0, 10);

/** The licence's own state first (it outranks anything about the seat), then the caller's activation. */
export function validate({ licence, activation, now, graceSeconds }: ValidationInput): Validation {
  if (licence === undefined) return answer('unknown', 'There is no such licence for this instance. Check the licence ID, or activate the instance first.');
  switch (licence.status) {
    case 'revoked':
      return answer('revoked', 'This licence was revoked. Contact the vendor to get a new one.');
    case 'suspended':
      return answer('suspended', 'This licence is suspended. Contact the vendor to have it reinstated.');
    case 'requested':
      return answer('pending', 'This licence was requested and is waiting for the vendor to approve it.');
    default:
      break;
  }
  if (licence.startsAt > now) return answer('pending', `This licence starts on ${day(licence.startsAt)}.`);
  const graceEnds = licence.endsAt === null ? null : new Date(licence.endsAt.getTime() + graceSeconds * 1000);
  const pastEnd = licence.status === 'expired' || (licence.endsAt !== null && licence.endsAt <= now);
  if (pastEnd && (graceEnds === null || graceEnds <= now)) return answer('expired', `This licence ended${licence.endsAt === null ? '' : ` on ${day(licence.endsAt)}`}. Renew it to keep running.`);

  if (activation === undefined || (activation.endedReason !== null && activation.endedReason !== 'stale')) {
    return answer('not_activated', 'This instance has no activation on this licence. Activate it to take a seat.');
  }
  if (activation.endedReason === 'stale' || activation.staleAfter <= now) {
    return answer('heartbeat_dead', 'This activation missed its heartbeats and no longer holds a seat. Send a heartbeat or activate again.');
  }
  if (activation.seatRank !== null && activation.seatRank > licence.seats) {
    return answer('too_many_activations', `The licence has ${licence.seats} seat${licence.seats === 1 ? '' : 's'}, fewer than the instances running on it. Deactivate an instance or add seats.`);
  }
  if (pastEnd && graceEnds !== null) return answer('grace_period', `This licence ended on ${day(licence.endsAt ?? now)}; it keeps working until ${day(graceEnds)}. Renew it before then.`);
  return answer('valid', 'The licence is valid for this instance.');
}
