import { Type, type FastifyPluginAsyncTypebox, type Static } from '@fastify/type-provider-typebox';
import type { LicenceFiles } from './licence-files.service.js';

export const JwksSchema = Type.Object(
  {
    keys: Type.Array(
      Type.Object({
        kty: Type.Literal('OKP'),
        crv: Type.Literal('Ed25519'),
        x: Type.String({ description: 'The public key, base64url.' }),
        kid: Type.String({ description: "Matches the licence file's header." }),
        alg: Type.Literal('EdDSA'),
        use: Type.Literal('sig'),
      }),
    ),
  },
  { description: 'The keys that verify licence files (RFC 7517): the current one and those whose files may still be valid.' },
);

/** Keys change only on rotation, and a retired key stays published for 30 days: caches may keep them a while. */
export const JWKS_CACHE_CONTROL = 'public, max-age=300';

/** GET /v1/keys (under /api): the JWKS, also served at /.well-known/jwks.json (app.ts). */
export function keysRoutes({ licenceFiles }: { licenceFiles: Pick<LicenceFiles, 'jwks'> }): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/keys',
      { schema: { summary: 'Licence-file keys', description: 'The JWKS that verifies licence files offline (also at /.well-known/jwks.json). Cacheable for 5 minutes.', response: { 200: JwksSchema } } },
      async (_req, reply) => reply.header('cache-control', JWKS_CACHE_CONTROL).send((await licenceFiles.jwks()) as Static<typeof JwksSchema>),
    );
  };
}
