import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { problem, sendProblem } from './problem.js';

/** Who may call an API route. Routes opt in with `config: { auth: 'instance' }`; without it a route is public. */
export type ApiAudience = 'instance';

/** What a verified bearer credential says about its holder. */
export interface ApiCredential {
  audience: ApiAudience;
  /** The holder's id (e.g. a WebStream instance), for logs and for the route. */
  subject: string;
  /** The AWS account the holder belongs to. */
  awsAccountId: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: ApiAudience;
    /** The credential may be left out (the route then decides); one that is sent must still be valid. */
    authOptional?: boolean;
  }
  interface FastifyRequest {
    /** The verified bearer credential of a route that asked for one (`config.auth`). */
    apiCredential: ApiCredential | undefined;
  }
}

/** Checks a bearer token for an audience: the credential, or undefined when the token is not accepted. */
export type BearerVerifier = (token: string, audience: ApiAudience, req: FastifyRequest) => Promise<ApiCredential | undefined>;

/** RFC 6750 token68 syntax, with a length no real credential of ours exceeds. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]{1,2048}=*) *$/i;

function refuse(reply: FastifyReply, code: string, detail: string, tokenGiven: boolean): FastifyReply {
  // RFC 6750 §3: say which scheme is wanted, and whether the token given was the problem.
  reply.header('www-authenticate', tokenGiven ? 'Bearer realm="api", error="invalid_token"' : 'Bearer realm="api"');
  return sendProblem(reply, problem(401, code, detail));
}

/**
 * The API's authentication slot: on routes that declare `config.auth`, reads `Authorization: Bearer <token>`
 * and asks the verifier app.ts passes in. Runs first (onRequest), so nothing of a refused request is parsed.
 * Without a verifier, no credential is accepted.
 */
export function installBearerAuth(ctx: FastifyInstance, verify: BearerVerifier | undefined): void {
  ctx.decorateRequest('apiCredential', undefined);
  ctx.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const audience = req.routeOptions.config.auth;
    if (audience === undefined) return;
    const header = req.headers.authorization;
    if ((header === undefined || header === '') && req.routeOptions.config.authOptional === true) return;
    if (header === undefined || header === '') return refuse(reply, 'credentials_required', 'This request needs an Authorization: Bearer header.', false);
    const token = BEARER.exec(header)?.[1];
    if (token === undefined) return refuse(reply, 'invalid_credentials', 'The Authorization header is not a bearer credential.', true);
    const credential = verify === undefined ? undefined : await verify(token, audience, req);
    if (credential?.audience !== audience) return refuse(reply, 'invalid_credentials', 'The bearer credential is not valid for this request.', true);
    req.apiCredential = credential;
  });
}
