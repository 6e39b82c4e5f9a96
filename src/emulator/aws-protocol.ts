/**
 * The AWS JSON RPC wire protocols the emulator speaks (awsJson1_0 for SQS, awsJson1_1 for the Marketplace
 * services): `POST /` with `X-Amz-Target: <prefix>.<Operation>`, JSON bodies, epoch-second timestamps, and
 * errors as `{"__type": "<namespace>#<Name>", "message": "…"}` with a 4xx/5xx status.
 * See shared/aws-protocols.md §2–4 and the SDK's own parsing (loadJsonRpcErrorCode, ProtocolLib).
 */
import { randomUUID } from 'node:crypto';

export type AwsServiceName = 'metering' | 'entitlement' | 'sqs';

export interface AwsServiceSpec {
  name: AwsServiceName;
  /** The X-Amz-Target prefix. */
  targetPrefix: string;
  /** awsJson protocol version, also the Content-Type suffix. */
  jsonVersion: '1.0' | '1.1';
  /** The smithy namespace used in `__type`. */
  namespace: string;
  /** SigV4 signing name expected in the Authorization credential scope. */
  signingName: string;
  /** Regions a request may be signed for (undefined: any). */
  regions?: readonly string[];
}

export const AWS_SERVICES: Record<string, AwsServiceSpec> = {
  AWSMPMeteringService: {
    name: 'metering',
    targetPrefix: 'AWSMPMeteringService',
    jsonVersion: '1.1',
    namespace: 'com.amazonaws.marketplacemetering',
    signingName: 'aws-marketplace',
  },
  AWSMPEntitlementService: {
    name: 'entitlement',
    targetPrefix: 'AWSMPEntitlementService',
    jsonVersion: '1.1',
    namespace: 'com.amazonaws.marketplaceentitlementservice',
    signingName: 'aws-marketplace',
    // The Entitlement Service is offered only in us-east-1 for commercial AWS (aws-protocols.md §3).
    regions: ['us-east-1'],
  },
  AmazonSQS: {
    name: 'sqs',
    targetPrefix: 'AmazonSQS',
    jsonVersion: '1.0',
    namespace: 'com.amazonaws.sqs',
    signingName: 'sqs',
  },
};

/**
 * An error as the service would return it. `queryError` is SQS's awsQuery-compatible code, sent in the
 * `x-amzn-query-error` header (the SQS client reads it before `__type`).
 */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = 400,
    readonly queryError?: string,
  ) {
    super(message);
    this.name = code;
  }
}

/** Front-end errors every JSON service can answer with (not in the service models, so the SDK names them generically). */
export const validationError = (message: string) => new AwsError('ValidationException', message, 400);

export interface AwsReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function newRequestId(): string {
  return randomUUID();
}

export function successReply(service: AwsServiceSpec, output: unknown, requestId: string): AwsReply {
  return {
    status: 200,
    headers: { 'content-type': `application/x-amz-json-${service.jsonVersion}`, 'x-amzn-requestid': requestId },
    body: JSON.stringify(output ?? {}),
  };
}

/** The `__type` of an error reply: the service's namespace and the error code (the bare code before the service is known). */
export function errorType(service: AwsServiceSpec | undefined, error: AwsError): string {
  return service === undefined ? error.code : `${service.namespace}#${error.code}`;
}

export function errorReply(service: AwsServiceSpec | undefined, error: AwsError, requestId: string): AwsReply {
  const headers: Record<string, string> = {
    'content-type': `application/x-amz-json-${service?.jsonVersion ?? '1.1'}`,
    'x-amzn-requestid': requestId,
  };
  if (error.queryError !== undefined) headers['x-amzn-query-error'] = `${error.queryError};${error.status >= 500 ? 'Receiver' : 'Sender'}`;
  return { status: error.status, headers, body: JSON.stringify({ __type: errorType(service, error), message: error.message }) };
}

/** The credential scope of a SigV4 Authorization header: `Credential=AKID/20260115/us-east-1/sqs/aws4_request`. */
export function credentialScope(authorization: string | undefined): { region: string; service: string } | undefined {
  const match = /Credential=[^/,\s]+\/\d{8}\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/.exec(authorization ?? '');
  if (match?.[1] === undefined || match[2] === undefined) return undefined;
  return { region: match[1], service: match[2] };
}

/**
 * Checks what the emulator can check of SigV4 without knowing the secret: that the request is signed at all
 * and scoped to the right service (and region), which catches a client pointed at the wrong service.
 */
export function checkSignatureScope(service: AwsServiceSpec, authorization: string | undefined): void {
  if (authorization === undefined || authorization === '') {
    throw new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
  }
  const scope = credentialScope(authorization);
  if (scope === undefined) throw new AwsError('IncompleteSignatureException', 'Authorization header requires a SigV4 Credential scope.', 403);
  if (scope.service !== service.signingName) {
    throw new AwsError('InvalidSignatureException', `Credential should be scoped to correct service: '${service.signingName}'.`, 403);
  }
  if (service.regions !== undefined && !service.regions.includes(scope.region)) {
    throw new AwsError('InvalidSignatureException', `Credential should be scoped to a valid region: '${service.regions.join("', '")}'.`, 403);
  }
}

/** awsJson timestamps are epoch seconds (JSON numbers, possibly fractional). */
export function toEpochSeconds(date: Date): number {
  return date.getTime() / 1000;
}

export function fromEpochSeconds(value: unknown, field: string): Date {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw validationError(`${field} must be a timestamp in epoch seconds.`);
  return new Date(value * 1000);
}

// ---------------------------------------------------------------------------------------------------------
// Input readers: the SDK validates little on the client side, so the emulator checks what the service does.

export type Input = Record<string, unknown>;

export function optionalString(input: Input, field: string, error = validationError): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw error(`${field} must be a string.`);
  return value;
}

export function requiredString(input: Input, field: string, error = validationError): string {
  const value = optionalString(input, field, error);
  if (value === undefined || value === '') throw error(`1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must not be null or empty.`);
  return value;
}

export function optionalInteger(input: Input, field: string, min: number, max: number, error = validationError): number | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw error(`Value for ${field} must be an integer from ${min} to ${max}.`);
  }
  return value;
}

export function optionalStringList(input: Input, field: string, error = validationError): string[] | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) throw error(`${field} must be a list of strings.`);
  return value;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
