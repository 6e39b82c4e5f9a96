import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { AuditLog } from '../audit/audit.repo.js';
import { AppError } from '../core/errors.js';
import type { ActivationService } from './activations.service.js';
import type { ApiLimits } from './api-limits.js';
import type { IdentityProof, InstanceCaller, ProvenInstance, VerifyIdentity } from './instance-proof.js';
import {
  ActivationAnswer,
  ActivationBody,
  activationJson,
  ActivationParams,
  DeactivationAnswer,
  HeartbeatAnswer,
  LicenceRequestAnswer,
  LicenceRequestBody,
  licenceJson,
  ValidateAnswer,
  ValidateBody,
  validationJson,
} from './licence-api.schemas.js';
import type { LicenceRequestService } from './licence-requests.service.js';

export interface LicenceApiDeps {
  activations: ActivationService;
  licenceRequests: LicenceRequestService;
  verifyIdentity: VerifyIdentity;
  limits: ApiLimits;
  audit: AuditLog;
}

const INSTANCE = { auth: 'instance' as const };

/** The caller's instance, from the verified bearer credential (the context's bearer slot ran first). */
function callerOf(req: FastifyRequest): InstanceCaller | undefined {
  const credential = req.apiCredential;
  return credential === undefined ? undefined : { instanceId: credential.subject, awsAccountId: credential.awsAccountId };
}

function requireCaller(req: FastifyRequest): InstanceCaller {
  const caller = callerOf(req);
  // The bearer slot refuses such requests first; this keeps the handler honest if a route forgets `config.auth`.
  if (caller === undefined) throw new AppError('instance_secret_required', 'Send the instance secret as Authorization: Bearer <instanceSecret>.', 401);
  return caller;
}

/**
 * The licence API for WebStream instances (under /api): licence requests, activations, heartbeats,
 * deactivations and validation. Identity documents are checked before anything is read or written; a
 * failed one counts against the address's tight budget for failures.
 */
export function licenceApiRoutes(deps: LicenceApiDeps): FastifyPluginAsyncTypebox {
  async function prove(identity: IdentityProof, req: FastifyRequest): Promise<ProvenInstance> {
    await deps.limits.admitAddress(req.ip);
    const checked = deps.verifyIdentity(identity);
    if (!checked.ok) {
      await deps.limits.recordIdentityFailure(req.ip);
      await deps.audit.record({ event: 'instance.identity_refused', actor: 'anonymous', ip: req.ip, details: { code: checked.code } });
      throw new AppError(checked.code, checked.detail, 400);
    }
    await deps.limits.admitInstance(checked.identity.instanceId);
    return checked.identity;
  }

  return async (app) => {
    app.post(
      '/v1/licence-requests',
      {
        schema: {
          summary: 'Request a licence',
          description:
            "Records a licence request for the identity document's AWS account. By the portal's policy a trial is granted at once (once per account) or the request waits for the vendor's approval. An open request or a usable licence is returned instead of making another. Errors: identity_invalid, identity_region_unknown, too_many_requests, validation_failed.",
          body: LicenceRequestBody,
          response: { 200: LicenceRequestAnswer, 201: LicenceRequestAnswer },
        },
      },
      async (req, reply) => {
        const proven = await prove(req.body.identity, req);
        const { outcome, licence } = await deps.licenceRequests.request({ proven, contactEmail: req.body.contactEmail, plan: req.body.plan, note: req.body.note, ip: req.ip });
        return reply.code(outcome === 'existing' ? 200 : 201).send({ outcome, licence: licenceJson(licence) });
      },
    );

    app.post(
      '/v1/activations',
      {
        config: { ...INSTANCE, authOptional: true },
        schema: {
          summary: 'Activate an instance',
          description:
            "Takes a seat for the document's instance. The first activation of an instance answers 201 with its instanceSecret (shown once); every later call for that instance must send it as a bearer credential. An instance already active answers 200 with the same activation. Errors: instance_secret_required, instance_mismatch, instance_already_active, no_licence, licence_pending, licence_suspended, licence_expired, licence_revoked, no_free_seat (with seats and seatsInUse), identity_invalid, identity_region_unknown, too_many_requests.",
          body: ActivationBody,
          response: { 200: ActivationAnswer, 201: ActivationAnswer },
        },
      },
      async (req, reply) => {
        const proven = await prove(req.body.identity, req);
        const answer = await deps.activations.activate({ proven, caller: callerOf(req), licenceId: req.body.licenceId, hostname: req.body.hostname, productVersion: req.body.productVersion, ip: req.ip });
        return reply.code(answer.created ? 201 : 200).send({
          activation: activationJson(answer.activation, answer.heartbeatIntervalSeconds),
          ...(answer.instanceSecret === undefined ? {} : { instanceSecret: answer.instanceSecret }),
          ...(answer.licenceFile === undefined ? {} : { licenceFile: answer.licenceFile }),
        });
      },
    );

    app.post(
      '/v1/activations/:id/heartbeat',
      {
        config: INSTANCE,
        schema: {
          summary: 'Send a heartbeat',
          description:
            'Keeps the activation counting against the seats and answers the current validation, with a fresh licence file once the last one is past half its life. A stale activation revives while a seat is free. Errors: activation_not_found, activation_ended, too_many_requests.',
          params: ActivationParams,
          response: { 200: HeartbeatAnswer },
        },
      },
      async (req) => {
        const caller = requireCaller(req);
        await deps.limits.admitInstance(caller.instanceId);
        const answer = await deps.activations.heartbeat(req.params.id, caller);
        return {
          activation: activationJson(answer.activation, answer.heartbeatIntervalSeconds),
          validation: validationJson(answer.validation),
          ...(answer.licenceFile === undefined ? {} : { licenceFile: answer.licenceFile }),
        };
      },
    );

    app.delete(
      '/v1/activations/:id',
      {
        config: INSTANCE,
        schema: {
          summary: 'Deactivate an instance',
          description: 'Frees the seat; the activation is kept as history. Deactivations per licence are limited in any 24 hours. Errors: activation_not_found, activation_ended, deactivation_limit (429 with Retry-After).',
          params: ActivationParams,
          response: { 200: DeactivationAnswer },
        },
      },
      async (req) => {
        const caller = requireCaller(req);
        await deps.limits.admitInstance(caller.instanceId);
        const ended = await deps.activations.deactivate(req.params.id, { instance: caller });
        return { activation: activationJson(ended, 0) };
      },
    );

    app.post(
      '/v1/licences/validate',
      {
        config: INSTANCE,
        schema: {
          summary: 'Validate a licence',
          description:
            "Whether the licence lets the caller's instance run now: valid, grace_period (past its end but within the grace period; still valid), expired, suspended, revoked, pending, not_activated, too_many_activations, heartbeat_dead, or unknown (also for a licence that is not the caller's).",
          body: ValidateBody,
          response: { 200: ValidateAnswer },
        },
      },
      async (req) => {
        const caller = requireCaller(req);
        const { validation, licence } = await deps.activations.validate(req.body.licenceId, req.body.instanceId, caller);
        return { ...validationJson(validation), licence: licence === undefined ? null : licenceJson(licence) };
      },
    );
  };
}
