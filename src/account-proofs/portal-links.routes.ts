import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../core/errors.js';
import { clientOf } from '../http/client.js';
import type { AccountProofService } from './account-proofs.service.js';
import { usableIdentity, type VerifyIdentity } from './identity.js';

/**
 * Portal links per source address per minute, counted in PostgreSQL across processes: an administrator
 * clicks for one now and then, so this is generous for a fleet behind one NAT address and a ceiling for
 * scripts trying identity documents.
 */
export const PORTAL_LINKS_PER_MINUTE = 30;

const Identity = Type.Object(
  {
    document: Type.String({ minLength: 1, maxLength: 8192, description: 'The EC2 instance identity document, byte for byte as /latest/dynamic/instance-identity/document returned it.' }),
    signature: Type.String({ minLength: 1, maxLength: 4096, description: 'Its base64 RSA-SHA256 signature, from /latest/dynamic/instance-identity/signature.' }),
  },
  { additionalProperties: false, description: "Proof of the instance's AWS account." },
);

const PortalLinkRequest = Type.Object({ identity: Identity }, { additionalProperties: false });

const PortalLinkResponse = Type.Object(
  {
    url: Type.String({ format: 'uri', description: 'Open this in the administrator’s browser. It works once, until expiresAt.' }),
    expiresAt: Type.String({ format: 'date-time' }),
    awsAccountId: Type.String({ pattern: '^[0-9]{12}$', description: 'The AWS account the identity document proves.' }),
    action: Type.Union([Type.Literal('register'), Type.Literal('sign_in')], {
      description: 'register: no portal account exists yet; the link opens registration with the AWS account ID fixed. sign_in: one exists; the link opens sign-in with the ID filled in.',
    }),
  },
  { description: 'The portal link was created.' },
);

export interface PortalLinkRouteDeps {
  proofs: AccountProofService;
  verifyIdentity: VerifyIdentity;
}

/** POST /v1/portal-links (under the API prefix): a single-use, 15-minute URL proving the instance's AWS account to the portal. */
export function portalLinkRoutes({ proofs, verifyIdentity }: PortalLinkRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/portal-links',
      {
        config: { rateLimit: { max: PORTAL_LINKS_PER_MINUTE, timeWindow: 60_000 } },
        schema: {
          summary: 'Open the portal with a proven AWS account',
          description: [
            "For a WebStream instance's admin panel: the instance proves its AWS account with its EC2 instance identity document and gets a single-use URL, valid for 15 minutes, that opens the portal's registration with the AWS account ID fixed and proven (or sign-in, when a portal account exists).",
            'Refusals (problem documents): 400 `identity_invalid` (bad signature or malformed document) and 400 `identity_region_unknown` (no certificate for the document’s Region): the proof cannot be used, nothing is written;',
            '409 `no_licence`: the AWS account holds no licence and no portal account yet (request a licence first); 400 `validation_failed`: the body does not match the schema;',
            `429 \`too_many_requests\`: more than ${PORTAL_LINKS_PER_MINUTE} requests a minute from the address.`,
          ].join(' '),
          body: PortalLinkRequest,
          response: { 201: PortalLinkResponse },
        },
      },
      async (req, reply) => {
        const verified = verifyIdentity(req.body.identity);
        // A document that cannot be used is the caller's mistake (400), not a missing credential.
        if (!verified.ok) throw new AppError(verified.code, verified.detail, 400);
        if (!usableIdentity(verified.identity)) throw new AppError('identity_invalid', 'The identity document does not name a 12-digit AWS account ID, an instance ID and a Region.', 400);
        const link = await proofs.createLink(verified.identity, clientOf(req));
        return reply.code(201).send({ url: link.url, expiresAt: link.expiresAt.toISOString(), awsAccountId: link.awsAccountId, action: link.action });
      },
    );
  };
}
