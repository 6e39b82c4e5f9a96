import { Type, type Static } from '@fastify/type-provider-typebox';
import type { ActivationRow, LicenceRow } from '../db/schema.js';
import { LICENCE_SOURCES, LICENCE_STATUSES, type LicenceSource, type LicenceStatus } from '../licences/licence.lifecycle.js';
import { VALIDATION_CODES, type Validation, type ValidationCode } from './validation.rules.js';

/** A string from a fixed list, as one JSON Schema enum (one line in the OpenAPI document, not a union of consts). */
const oneOf = <T extends string>(values: readonly T[], description?: string) => Type.Unsafe<T>({ type: 'string', enum: [...values], ...(description === undefined ? {} : { description }) });

/** The licence API's bodies and answers (TypeBox): they validate requests and generate the OpenAPI document. */

export const IdentitySchema = Type.Object(
  {
    document: Type.String({ minLength: 1, maxLength: 4096, description: 'The instance identity document exactly as the instance metadata service returned it (/latest/dynamic/instance-identity/document).' }),
    signature: Type.String({ minLength: 1, maxLength: 2048, description: 'Its base64 RSA-SHA256 signature (/latest/dynamic/instance-identity/signature).' }),
  },
  { additionalProperties: false, description: "Proof of the instance's AWS account, checked against AWS's certificate for the document's Region." },
);

const Timestamp = Type.String({ format: 'date-time' });
const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

export const LicenceSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    awsAccountId: Type.String({ pattern: '^[0-9]{12}$' }),
    plan: Type.String(),
    seats: Type.Integer({ minimum: 1 }),
    status: oneOf<LicenceStatus>(LICENCE_STATUSES),
    source: oneOf<LicenceSource>(LICENCE_SOURCES),
    startsAt: Timestamp,
    endsAt: NullableTimestamp,
  },
  { description: 'A licence as the API shows it.' },
);

export const ActivationSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    licenceId: Type.String({ format: 'uuid' }),
    instanceId: Type.String(),
    region: Type.String(),
    hostname: Type.Union([Type.String(), Type.Null()]),
    productVersion: Type.Union([Type.String(), Type.Null()]),
    activatedAt: Timestamp,
    lastHeartbeatAt: Timestamp,
    endedAt: NullableTimestamp,
    heartbeatIntervalSeconds: Type.Integer({ description: 'Send a heartbeat at least this often.' }),
  },
  { description: "An instance's seat on a licence." },
);

export const ValidationSchema = Type.Object({
  valid: Type.Boolean({ description: 'True for the codes valid and grace_period.' }),
  code: oneOf<ValidationCode>(VALIDATION_CODES),
  detail: Type.String({ description: 'What the code means for this licence, for people.' }),
});

const LicenceFile = Type.String({ description: 'A compact JWS (EdDSA, Ed25519) the instance verifies offline against the keys at /api/v1/keys.' });

export const LicenceRequestBody = Type.Object(
  {
    identity: IdentitySchema,
    contactEmail: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
    plan: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$', description: 'The plan (edition) asked for.' })),
    note: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: 'For the vendor, when a request waits for approval.' })),
  },
  { additionalProperties: false },
);
export const LicenceRequestAnswer = Type.Object({
  outcome: oneOf(['trial_granted', 'requested', 'existing'] as const, 'existing: the account already had an open request or a usable licence, which is returned.'),
  licence: LicenceSchema,
});

export const ActivationBody = Type.Object(
  {
    identity: IdentitySchema,
    licenceId: Type.Optional(Type.String({ format: 'uuid', description: "Which licence; by default the account's usable licence with a free seat that runs longest." })),
    hostname: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
    productVersion: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);
export const ActivationAnswer = Type.Object({
  activation: ActivationSchema,
  instanceSecret: Type.Optional(Type.String({ description: 'Only on the instance\'s first activation: send it as "Authorization: Bearer" on every later call. Shown once.' })),
  licenceFile: Type.Optional(LicenceFile),
});

export const ActivationParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const HeartbeatAnswer = Type.Object({
  activation: ActivationSchema,
  validation: ValidationSchema,
  licenceFile: Type.Optional(Type.String({ description: 'A fresh licence file, when the last one is past half its life.' })),
});

export const ValidateBody = Type.Object(
  {
    licenceId: Type.String({ format: 'uuid' }),
    instanceId: Type.Optional(Type.String({ maxLength: 32, description: "Defaults to the caller's instance; another instance's ID answers unknown." })),
  },
  { additionalProperties: false },
);
export const ValidateAnswer = Type.Object({
  ...ValidationSchema.properties,
  licence: Type.Union([LicenceSchema, Type.Null()]),
});

export const DeactivationAnswer = Type.Object({ activation: ActivationSchema });

export function licenceJson(l: LicenceRow): Static<typeof LicenceSchema> {
  return {
    id: l.id,
    awsAccountId: l.aws_account_id,
    plan: l.plan,
    seats: l.seats,
    status: l.status as LicenceStatus,
    source: l.source as LicenceSource,
    startsAt: l.starts_at.toISOString(),
    endsAt: l.ends_at?.toISOString() ?? null,
  };
}

export function activationJson(a: ActivationRow, heartbeatIntervalSeconds: number): Static<typeof ActivationSchema> {
  return {
    id: a.id,
    licenceId: a.licence_id,
    instanceId: a.instance_id,
    region: a.region,
    hostname: a.hostname,
    productVersion: a.product_version,
    activatedAt: a.activated_at.toISOString(),
    lastHeartbeatAt: a.last_heartbeat_at.toISOString(),
    endedAt: a.ended_at?.toISOString() ?? null,
    heartbeatIntervalSeconds,
  };
}

export const validationJson = (v: Validation): Static<typeof ValidationSchema> => ({ valid: v.valid, code: v.code, detail: v.detail });
