import fastifySwagger from '@fastify/swagger';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifySchema } from 'fastify';
import { renderDocument } from '../core/render.js';
import { ApiDocsPage } from './api-docs.page.js';
import { installBearerAuth, type BearerVerifier } from './bearer-auth.js';
import { installNulGuard } from './nul-guard.js';
import { answerWithProblem, problem, ProblemSchema, sendProblem } from './problem.js';
import { RouteTable } from './route-table.js';

export interface ApiContextOptions {
  /** The OpenAPI document's info. */
  info: { title: string; version: string; description: string };
  /** Checks bearer credentials for routes with `config.auth`; none yet, so such routes refuse every request. */
  verifyBearer?: BearerVerifier;
  /** The API's route plugins, with paths relative to the context's prefix (e.g. `/v1/status`). */
  routes: readonly FastifyPluginAsyncTypebox[];
}

const PROBLEM_RESPONSE = {
  description: 'A problem document (RFC 9457): the request was refused or failed.',
  content: { 'application/problem+json': { schema: ProblemSchema } },
};

/** What every operation answers besides its own responses, added to the document (not to serialisation). */
function documented(schema: FastifySchema | undefined, auth: boolean): FastifySchema {
  const responses = { ...(schema?.response as Record<string, unknown> | undefined), default: PROBLEM_RESPONSE };
  return { ...schema, response: responses, ...(auth ? { security: [{ bearer: [] }] } : {}) };
}

/**
 * The API context (registered at /api): JSON in and out, an RFC 9457 problem document for every error
 * (unknown path, wrong method, body too large, wrong content type, bad JSON, schema failures, AppError,
 * anything unexpected), a bearer-credential slot routes opt into, no cookies, no CSRF, no forms. The
 * OpenAPI 3.1 document is built from the route schemas and served at /openapi.json, and as a page at /docs.
 */
export function apiContext(options: ApiContextOptions): FastifyPluginAsyncTypebox {
  return async (ctx) => {
    // JSON only: Fastify's text/plain parser would hand a handler a string it does not expect.
    ctx.removeContentTypeParser('text/plain');
    ctx.setErrorHandler(answerWithProblem);

    const routes = new RouteTable();
    ctx.addHook('onRoute', (route) => routes.add(route.method, route.url));
    ctx.setNotFoundHandler((req, reply) => {
      const allowed = routes.methodsFor(req.url);
      if (allowed.length === 0) return sendProblem(reply, problem(404, 'not_found', 'There is no API operation at this address.'));
      reply.header('allow', allowed.join(', '));
      return sendProblem(reply, problem(405, 'method_not_allowed', `This operation does not accept ${req.method}; it accepts ${allowed.join(', ')}.`));
    });

    installBearerAuth(ctx, options.verifyBearer);
    installNulGuard(ctx, 'The request contained a null character, which no field accepts.');

    await ctx.register(fastifySwagger, {
      openapi: {
        openapi: '3.1.0',
        info: options.info,
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      },
      transform: ({ schema, url, route }) => ({ schema: documented(schema, route.config?.auth !== undefined), url }),
    });
    const hidden = { schema: { hide: true } };
    ctx.get('/openapi.json', hidden, () => ctx.swagger());
    ctx.get('/docs', hidden, (_req, reply) => reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(renderDocument(<ApiDocsPage document={ctx.swagger()} />)));

    for (const plugin of options.routes) await ctx.register(plugin);
  };
}
