/** Fault injection: "the next N calls of operation X fail with error Y", for testing the portal's error paths. */
import { AwsError, type AwsServiceName } from './aws-protocol.js';

type ErrorSpec = readonly [code: string, status: number, queryError?: string];

/** Short names accepted by the control API, and what each means per service (from the service models). */
const SHORTHANDS: Record<string, Partial<Record<AwsServiceName, ErrorSpec>>> = {
  InvalidToken: { metering: ['InvalidTokenException', 400] },
  ExpiredToken: { metering: ['ExpiredTokenException', 400] },
  Throttling: {
    metering: ['ThrottlingException', 400],
    entitlement: ['ThrottlingException', 400],
    sqs: ['RequestThrottled', 403, 'RequestThrottled'],
  },
  DisabledApi: { metering: ['DisabledApiException', 400] },
  InternalServiceError: {
    metering: ['InternalServiceErrorException', 500],
    entitlement: ['InternalServiceErrorException', 500],
    sqs: ['InternalError', 500, 'InternalError'],
  },
};

export const FAULT_NAMES = Object.keys(SHORTHANDS);

export interface PendingFault {
  operation: string;
  error: string;
  remaining: number;
}

export class FaultError extends Error {}

export interface FaultInjector {
  /** Arms a fault; throws FaultError (with a message for the caller) when the operation or error is unknown. */
  failNext(request: { operation: string; error: string; count?: number; message?: string }): PendingFault;
  /** The error the next call of this operation must fail with, if one is armed (and uses it up). */
  take(operation: string): AwsError | undefined;
  list(): PendingFault[];
  clear(): void;
}

/** `operations` maps every operation name the emulator serves to its service. */
export function createFaultInjector(operations: ReadonlyMap<string, AwsServiceName>): FaultInjector {
  const pending: { operation: string; error: string; errorToThrow: () => AwsError; remaining: number }[] = [];

  function resolve(service: AwsServiceName, operation: string, error: string, message: string | undefined): () => AwsError {
    const shorthand = SHORTHANDS[error.replace(/Exception$/, '')];
    if (shorthand !== undefined) {
      const spec = shorthand[service];
      if (spec === undefined) throw new FaultError(`${error} is not an error ${operation} can return; choose one of ${Object.keys(SHORTHANDS).filter((k) => SHORTHANDS[k]?.[service]).join(', ')} or give an exact exception name.`);
      const [code, status, queryError] = spec;
      return () => new AwsError(code, message ?? `Injected ${code} for ${operation}.`, status, queryError);
    }
    if (!/^[A-Z][A-Za-z.]{2,80}$/.test(error)) throw new FaultError(`Unknown error '${error}': use one of ${FAULT_NAMES.join(', ')} or an exact exception name.`);
    const status = /Internal|ServiceUnavailable/.test(error) ? 500 : 400;
    return () => new AwsError(error, message ?? `Injected ${error} for ${operation}.`, status, service === 'sqs' ? error : undefined);
  }

  return {
    failNext({ operation, error, count = 1, message }) {
      const name = operation.includes('.') ? operation.slice(operation.lastIndexOf('.') + 1) : operation;
      const service = operations.get(name);
      if (service === undefined) throw new FaultError(`Unknown operation '${operation}': one of ${[...operations.keys()].join(', ')}.`);
      if (!Number.isInteger(count) || count < 1 || count > 1000) throw new FaultError('count must be a whole number from 1 to 1000.');
      const entry = { operation: name, error, errorToThrow: resolve(service, name, error, message), remaining: count };
      pending.push(entry);
      return { operation: name, error, remaining: count };
    },
    take(operation) {
      const index = pending.findIndex((p) => p.operation === operation);
      const entry = pending[index];
      if (entry === undefined) return undefined;
      entry.remaining -= 1;
      if (entry.remaining === 0) pending.splice(index, 1);
      return entry.errorToThrow();
    },
    list: () => pending.map(({ operation, error, remaining }) => ({ operation, error, remaining })),
    clear: () => {
      pending.length = 0;
    },
  };
}
