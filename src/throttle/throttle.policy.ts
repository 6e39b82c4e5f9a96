/**
 * Brute-force protection as a pure decision. Each sign-in attempt is counted *before* the password is
 * checked (so parallel guesses cannot slip past the count); a success then clears the account's count and
 * takes the address's pre-counted failure back (see settleSuccessfulAttempt).
 *
 * After `threshold` consecutive failures, every further attempt must wait 2^(n - threshold) seconds,
 * capped: the lock always ends by itself, so an attacker can delay a user but never lock them out for good.
 */
export interface ThrottlePolicy {
  threshold: number;
  capSeconds: number;
  /** Failures older than this are forgotten. */
  quietResetSeconds: number;
}

export const ACCOUNT_POLICY: ThrottlePolicy = { threshold: 5, capSeconds: 15 * 60, quietResetSeconds: 24 * 60 * 60 };
/** Per source address: higher, as many people may share one address (offices, NAT). */
export const ADDRESS_POLICY: ThrottlePolicy = { threshold: 20, capSeconds: 15 * 60, quietResetSeconds: 60 * 60 };

export interface ThrottleState {
  failures: number;
  lockedUntil: Date | null;
  lastFailureAt: Date;
}

export type AttemptDecision =
  | { allowed: true; next: ThrottleState }
  | { allowed: false; retryAt: Date };

export function backoffSeconds(failures: number, policy: ThrottlePolicy): number {
  if (failures < policy.threshold) return 0;
  return Math.min(2 ** (failures - policy.threshold), policy.capSeconds);
}

export function decideAttempt(state: ThrottleState | undefined, policy: ThrottlePolicy, now: Date): AttemptDecision {
  if (state?.lockedUntil && state.lockedUntil > now) return { allowed: false, retryAt: state.lockedUntil };
  const stale = state === undefined || now.getTime() - state.lastFailureAt.getTime() > policy.quietResetSeconds * 1000;
  const failures = (stale ? 0 : state.failures) + 1;
  const wait = backoffSeconds(failures, policy);
  return {
    allowed: true,
    next: { failures, lockedUntil: wait > 0 ? new Date(now.getTime() + wait * 1000) : null, lastFailureAt: now },
  };
}

/** `what` names the attempts: sign-in attempts, wrong passwords re-entered in Settings, codes. */
export function lockoutMessage(retryAt: Date, now: Date, what = 'sign-in attempts'): string {
  const seconds = Math.max(1, Math.ceil((retryAt.getTime() - now.getTime()) / 1000));
  const wait = seconds < 90 ? `${seconds} second${seconds === 1 ? '' : 's'}` : `${Math.ceil(seconds / 60)} minutes`;
  return `Too many ${what}. For your security, please wait ${wait} before trying again.`;
}
