import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

const StatusResponse = Type.Object(
  {
    status: Type.Literal('ok'),
    version: Type.String({ description: 'The portal release answering.' }),
  },
  { description: 'The API is up.' },
);

/** GET /v1/status (under the API prefix): that the API answers, and which release; no credential needed. */
export function statusRoutes({ version }: { version: string }): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/status',
      { schema: { summary: 'API status', description: 'Answers while the API is up, with the portal release.', response: { 200: StatusResponse } } },
      () => ({ status: 'ok' as const, version }),
    );
  };
}
