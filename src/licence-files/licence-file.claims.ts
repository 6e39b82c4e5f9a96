/**
 * What a licence file says, and how long it lives: pure, so the rules are tested alone. A file is a compact
 * JWS (EdDSA, Ed25519) whose payload is these claims; times are seconds since the epoch, as in JWTs.
 */
export interface LicenceClaims {
  /** The portal that signed it (its public origin). */
  iss: string;
  /** The licence ID. */
  sub: string;
  aws_account_id: string;
  plan: string;
  seats: number;
  status: string;
  starts_at: number;
  /** Null: the licence has no end date. */
  ends_at: number | null;
  instance_id: string;
  activation_id: string;
  iat: number;
  nbf: number;
  exp: number;
}

/** A file lives at most 30 days; heartbeats replace it after half of that. */
export const MAX_FILE_LIFETIME_SECONDS = 30 * 86_400;

export interface ClaimsInput {
  issuer: string;
  licence: { id: string; awsAccountId: string; plan: string; seats: number; status: string; startsAt: Date; endsAt: Date | null };
  instanceId: string;
  activationId: string;
  now: Date;
  graceSeconds: number;
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** The claims, expiring after 30 days at most and never past the licence's end plus its grace period. */
export function licenceClaims(input: ClaimsInput): { ok: true; claims: LicenceClaims } | { ok: false; detail: string } {
  const now = seconds(input.now);
  const cap = input.licence.endsAt === null ? Infinity : seconds(input.licence.endsAt) + input.graceSeconds;
  const exp = Math.min(now + MAX_FILE_LIFETIME_SECONDS, cap);
  if (exp <= now) return { ok: false, detail: 'The licence is past its end and grace period: no licence file can be issued.' };
  const { licence } = input;
  return {
    ok: true,
    claims: {
      iss: input.issuer,
      sub: licence.id,
      aws_account_id: licence.awsAccountId,
      plan: licence.plan,
      seats: licence.seats,
      status: licence.status,
      starts_at: seconds(licence.startsAt),
      ends_at: licence.endsAt === null ? null : seconds(licence.endsAt),
      instance_id: input.instanceId,
      activation_id: input.activationId,
      iat: now,
      nbf: now,
      exp,
    },
  };
}

/** Whether a decoded payload has the shape of LicenceClaims (a file from another signer may not). */
export function isLicenceClaims(value: unknown): value is LicenceClaims {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  const isNumber = (k: string) => typeof c[k] === 'number' && Number.isFinite(c[k]);
  return (
    ['iss', 'sub', 'aws_account_id', 'plan', 'status', 'instance_id', 'activation_id'].every((k) => typeof c[k] === 'string') &&
    ['seats', 'starts_at', 'iat', 'nbf', 'exp'].every(isNumber) &&
    (c.ends_at === null || isNumber('ends_at'))
  );
}
