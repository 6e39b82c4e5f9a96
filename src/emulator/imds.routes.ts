/**
 * The EC2 instance metadata service, IMDSv2, one per emulated instance under `/imds/<instanceId>` (the
 * instance's IMDS base URL, standing in for http://169.254.169.254): a session token from
 * `PUT /latest/api/token` (header x-aws-ec2-metadata-token-ttl-seconds, 1..21600), then the identity document
 * and its signature with the token in x-aws-ec2-metadata-token. Tokens are valid for their instance only.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { EmulatorContext } from './emulator.context.js';
import type { Ec2Instance } from './instances.state.js';

export const IMDS_TOKEN_TTL_HEADER = 'x-aws-ec2-metadata-token-ttl-seconds';
export const IMDS_TOKEN_HEADER = 'x-aws-ec2-metadata-token';
export const IMDS_MAX_TOKEN_TTL_SECONDS = 21_600;

export const imdsPath = (instanceId: string) => `/imds/${instanceId}`;

type Params = { Params: { instanceId: string } };

export function imdsRoutes(app: FastifyInstance, context: EmulatorContext): void {
  const tokens = new Map<string, { instanceId: string; expiresAt: number }>();
  const text = (reply: FastifyReply, status: number, body: string) => reply.code(status).type('text/plain').header('cache-control', 'no-store').send(body);
  const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

  function instanceOf(instanceId: string, reply: FastifyReply): Ec2Instance | undefined {
    const instance = context.instances.get(instanceId);
    if (instance === undefined) void text(reply, 404, 'Not Found');
    return instance;
  }

  app.put<Params>('/imds/:instanceId/latest/api/token', async (request, reply) => {
    const instance = instanceOf(request.params.instanceId, reply);
    if (instance === undefined) return reply;
    const ttl = header(request.headers[IMDS_TOKEN_TTL_HEADER]) ?? '';
    const seconds = /^\d{1,5}$/.test(ttl) ? Number(ttl) : NaN;
    if (!(seconds >= 1 && seconds <= IMDS_MAX_TOKEN_TTL_SECONDS)) return text(reply, 400, 'Bad Request');
    const now = context.clock.now().getTime();
    for (const [token, entry] of tokens) if (entry.expiresAt <= now) tokens.delete(token);
    const token = randomBytes(42).toString('base64url');
    tokens.set(token, { instanceId: instance.instanceId, expiresAt: now + seconds * 1000 });
    return reply.header(IMDS_TOKEN_TTL_HEADER, String(seconds)).type('text/plain').header('cache-control', 'no-store').send(token);
  });

  /** The instance when the request carries a live token of that instance; otherwise the reply is sent (404 or 401). */
  function authorised(request: { params: { instanceId: string }; headers: Record<string, string | string[] | undefined> }, reply: FastifyReply): Ec2Instance | undefined {
    const instance = instanceOf(request.params.instanceId, reply);
    if (instance === undefined) return undefined;
    const entry = tokens.get(header(request.headers[IMDS_TOKEN_HEADER]) ?? '');
    if (entry === undefined || entry.instanceId !== instance.instanceId || entry.expiresAt <= context.clock.now().getTime()) {
      void text(reply, 401, 'Unauthorized');
      return undefined;
    }
    return instance;
  }

  app.get<Params>('/imds/:instanceId/latest/dynamic/instance-identity/document', async (request, reply) => {
    const instance = authorised(request, reply);
    if (instance === undefined) return reply;
    return text(reply, 200, context.imds.identityDocument(instance));
  });

  app.get<Params>('/imds/:instanceId/latest/dynamic/instance-identity/signature', async (request, reply) => {
    const instance = authorised(request, reply);
    if (instance === undefined) return reply;
    return text(reply, 200, context.imds.signature(context.imds.identityDocument(instance)));
  });

  app.get('/_emulator/imds/certificate.pem', async (_request, reply) => reply.type('application/x-pem-file').header('cache-control', 'no-store').send(context.imds.certificatePem));
}
