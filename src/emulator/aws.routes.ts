/** `POST /` for every emulated AWS service: dispatch on X-Amz-Target, as the real endpoints do. */
import type { FastifyInstance } from 'fastify';
import { AWS_SERVICES, AwsError, checkSignatureScope, errorReply, errorType, isRecord, newRequestId, successReply, type AwsReply, type AwsServiceSpec, type Input } from './aws-protocol.js';
import type { EmulatorContext } from './emulator.context.js';

/** What a handler gets besides its input: the signal that ends a long poll when the client goes away or the emulator stops. */
export interface OperationContext {
  signal: AbortSignal;
}
export type OperationHandler = (input: Input, context: OperationContext) => unknown;
export type OperationTable = Record<string, Record<string, OperationHandler>>;

export function awsRoutes(app: FastifyInstance, context: EmulatorContext, operations: OperationTable): void {
  // The SDK sends application/x-amz-json-1.0 (SQS) or -1.1 (Marketplace); the body is parsed by the handler
  // below so that bad JSON becomes an AWS SerializationException rather than a Fastify error.
  app.addContentTypeParser(/^application\/x-amz-json-1\.[01]/, { parseAs: 'string' }, (_request, body, done) => done(null, body));

  async function handle(target: string | undefined, body: unknown, authorization: string | undefined, signal: AbortSignal): Promise<{ reply: AwsReply; operation: string; errorType?: string }> {
    const requestId = newRequestId();
    let service: AwsServiceSpec | undefined;
    const operation = target?.slice(target.indexOf('.') + 1) ?? '(none)';
    const failed = (error: AwsError) => ({ reply: errorReply(service, error, requestId), operation, errorType: errorType(service, error) });
    try {
      if (target === undefined || !target.includes('.')) {
        throw new AwsError('UnknownOperationException', 'Missing X-Amz-Target: this emulator speaks the AWS JSON protocols only (AWS SDK v3; for SQS a version that uses awsJson1_0).');
      }
      service = AWS_SERVICES[target.slice(0, target.indexOf('.'))];
      const handler = service === undefined ? undefined : operations[service.name]?.[operation];
      if (service === undefined || handler === undefined) {
        const known = Object.values(AWS_SERVICES).flatMap((s) => Object.keys(operations[s.name] ?? {}).map((op) => `${s.targetPrefix}.${op}`));
        throw new AwsError('UnknownOperationException', `The emulator does not implement ${target}. It serves: ${known.join(', ')}.`);
      }
      checkSignatureScope(service, authorization);
      let input: unknown;
      try {
        input = typeof body === 'string' && body !== '' ? JSON.parse(body) : {};
      } catch {
        throw new AwsError('SerializationException', 'The request body is not valid JSON.');
      }
      if (!isRecord(input)) throw new AwsError('SerializationException', 'The request body must be a JSON object.');
      const fault = context.faults.take(operation);
      if (fault !== undefined) throw fault;
      const output = await handler(input, { signal });
      return { reply: successReply(service, output, requestId), operation };
    } catch (error) {
      if (error instanceof AwsError) return failed(error);
      context.log(`internal error in ${operation}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      const internal = service?.name === 'sqs' ? new AwsError('InternalError', 'We encountered an internal error. Please try again.', 500, 'InternalError') : new AwsError('InternalFailure', 'The request processing has failed because of an unknown error.', 500);
      return failed(internal);
    }
  }

  app.post('/', async (request, reply) => {
    // A long poll ends early when the client goes away or the emulator stops.
    const gone = new AbortController();
    reply.raw.once('close', () => gone.abort());
    const target = request.headers['x-amz-target'];
    const { reply: answer, operation, errorType: type } = await handle(typeof target === 'string' ? target : undefined, request.body, request.headers.authorization, AbortSignal.any([gone.signal, context.stopping]));
    context.log(`${operation} → ${answer.status}${type === undefined ? '' : ` ${type}`}`);
    return reply.code(answer.status).headers(answer.headers).send(answer.body);
  });
}
