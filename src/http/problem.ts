import { STATUS_CODES } from 'node:http';
import { Type, type Static } from '@fastify/type-provider-typebox';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { logAnswer } from './log-answer.js';

/**
 * An RFC 9457 problem document, the body of every API error. `type` is "about:blank" (the status says it
 * all, so `title` is the status phrase); `code` is the stable, snake_case name clients branch on, and
 * `detail` the sentence for people. A request that failed its schema lists each field in `errors`.
 */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'A URI reference naming the problem type; "about:blank" when the status says it all.' }),
    title: Type.String({ description: 'The HTTP status phrase.' }),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    detail: Type.String({ description: 'What went wrong, for people.' }),
    code: Type.String({ pattern: '^[a-z][a-z0-9_]*$', description: 'Stable machine-readable code (snake_case).' }),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          in: Type.String({ description: 'Which part of the request: body, querystring, params or headers.' }),
          pointer: Type.String({ description: 'JSON Pointer to the field in that part ("" for the part itself).' }),
          detail: Type.String(),
        }),
      ),
    ),
  },
  { title: 'Problem details (RFC 9457)' },
);

export type Problem = Static<typeof ProblemSchema>;
export type ProblemField = NonNullable<Problem['errors']>[number];

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

export function problem(status: number, code: string, detail: string, errors?: ProblemField[]): Problem {
  return { type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail, code, ...(errors === undefined ? {} : { errors }) };
}

export function sendProblem(reply: FastifyReply, body: Problem): FastifyReply {
  return reply.code(body.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

/** Ajv's view of one schema failure (what Fastify puts in `error.validation`). */
interface ValidationFailure {
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

function fieldsOf(error: FastifyError): ProblemField[] {
  const where = error.validationContext ?? 'body';
  return (error.validation ?? []).map((failure: ValidationFailure) => {
    // "must have required property 'x'" points at the object; the missing field is where the fix goes.
    const missing = failure.params.missingProperty;
    const pointer = typeof missing === 'string' ? `${failure.instancePath}/${missing}` : failure.instancePath;
    return { in: where, pointer, detail: failure.message ?? 'is not valid' };
  });
}

/** The problem document for any error an API request ends in; internals never leak. */
export function problemFor(error: FastifyError | AppError): Problem {
  if (error instanceof AppError) {
    const fields = Object.entries(error.fields).flatMap(([field, messages]) => messages.map((detail) => ({ in: 'body', pointer: `/${field}`, detail })));
    return { ...error.extra.members, ...problem(error.status, error.code, error.message, fields.length > 0 ? fields : undefined) };
  }
  if (error.validation !== undefined) {
    const fields = fieldsOf(error);
    return problem(400, 'validation_failed', `The request does not match its schema: ${fields.map((f) => `${f.in}${f.pointer} ${f.detail}`).join('; ')}.`, fields);
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return problem(400, 'malformed_json', 'The request body is not valid JSON.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problem(400, 'malformed_json', 'The request body is empty, but its content type says JSON.');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem(413, 'body_too_large', 'The request body is larger than this API accepts.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem(415, 'unsupported_media_type', 'Send the request body as application/json.');
    default:
      break;
  }
  const status = error.statusCode;
  if (status === 429) return problem(429, 'too_many_requests', 'Too many requests. Please wait a moment and try again.');
  if (status === 401) return problem(401, 'unauthorized', 'This request needs valid credentials.');
  if (status === 403) return problem(403, 'forbidden', 'This request is not allowed.');
  if (status === 404) return problem(404, 'not_found', 'There is nothing at this address.');
  if (status !== undefined && status >= 400 && status < 500) return problem(status, 'bad_request', 'The request was not in the expected format.');
  if (isDatabaseUnavailable(error)) return problem(503, 'unavailable', 'The service is temporarily unavailable. Please try again in a minute.');
  return problem(500, 'internal_error', 'Something went wrong on our side. Please try again in a moment.');
}

/** The API context's error handler: a problem document, logged like every other answer. */
export function answerWithProblem(error: FastifyError | AppError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const body = problemFor(error);
  logAnswer(req, error, body.status, body.code);
  if (body.status === 503) reply.header('retry-after', '30');
  if (error instanceof AppError && error.extra.retryAfterSeconds !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(error.extra.retryAfterSeconds))));
  return sendProblem(reply, body);
}

/** Fastify's own routing errors on an API path (a URL that cannot be decoded) come before any context. */
export function answerRoutingErrorWithProblem(error: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  req.log.info({ code: error.code }, 'request refused');
  return sendProblem(reply.header('cache-control', 'no-store'), problem(400, 'bad_url', 'The address is not a valid URL.'));
}
