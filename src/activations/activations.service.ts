import type { AuditLog } from '../audit/audit.repo.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { generateToken, hashToken } from '../core/tokens.js';
import type { Db } from '../db/database.js';
import type { ActivationRow, LicenceRow } from '../db/schema.js';
import type { LicenceStatus } from '../licences/licence.lifecycle.js';
import type { OwnerDeactivation, SeatHolder, SeatHolders } from '../licences/seat-holders.js';
import type { LicenceApiSettings, SettingsRepo } from '../settings/settings.repo.js';
import { LRUCache } from 'lru-cache';
import type { ActivationsRepo, LicenceWithSeats, ValidationRow } from './activations.repo.js';
import { instanceSecretRequired, type InstanceCaller, type ProvenInstance } from './instance-proof.js';
import { chooseLicence, deactivationWaitSeconds, DEACTIVATION_WINDOW_MS, needsFreshFile, type ActivationRefusal, type SeatCandidate } from './seat.rules.js';
import { validate, type Validation } from './validation.rules.js';
import type { SnapshotCache } from './validation-snapshots.js';

/** Signs the offline licence file an activation carries (src/licence-files). */
export interface LicenceFileIssuer {
  issue(input: { licence: LicenceRow; instanceId: string; activationId: string; graceSeconds: number }): Promise<{ token: string; issuedAt: Date; expiresAt: Date }>;
}

export interface ActivationRequest {
  proven: ProvenInstance;
  /** The bearer secret's instance, when the caller sent one. */
  caller: InstanceCaller | undefined;
  licenceId?: string;
  hostname?: string;
  productVersion?: string;
  ip: string;
}

export interface ActivationAnswer {
  created: boolean;
  activation: ActivationRow;
  heartbeatIntervalSeconds: number;
  /** Only when this call registered the instance: shown once, stored hashed. */
  instanceSecret: string | undefined;
  licenceFile: string | undefined;
}

export interface HeartbeatAnswer {
  activation: ActivationRow;
  validation: Validation;
  heartbeatIntervalSeconds: number;
  licenceFile: string | undefined;
}

/** Instance secrets: `wsi_` and 256 random bits, so they are recognisable in a leak scan and cheap to reject. */
const SECRET_PREFIX = 'wsi_';
const SECRET_SHAPE = /^wsi_[A-Za-z0-9_-]{43}$/;

const REFUSALS: Record<ActivationRefusal, { status: number; detail: (l: SeatCandidate | undefined) => string }> = {
  no_licence: { status: 404, detail: () => 'This AWS account has no such licence. Request one first (POST /api/v1/licence-requests).' },
  licence_pending: { status: 409, detail: () => 'The licence is waiting for the vendor to approve it; try again once it is active.' },
  licence_suspended: { status: 409, detail: () => 'The licence is suspended. Contact the vendor to have it reinstated.' },
  licence_expired: { status: 409, detail: () => 'The licence has ended. Renew it to activate instances.' },
  licence_revoked: { status: 409, detail: () => 'The licence was revoked. Contact the vendor for a new one.' },
  no_free_seat: {
    status: 409,
    detail: (l) => (l === undefined ? 'Every seat is in use.' : `All ${l.seats} seat${l.seats === 1 ? '' : 's'} of the licence are in use (${l.seatsInUse} in use). Deactivate an instance or ask for more seats.`),
  },
};

function refusal(code: ActivationRefusal, licence: SeatCandidate | undefined): AppError {
  const members = licence === undefined ? undefined : { licenceId: licence.id, seats: licence.seats, seatsInUse: licence.seatsInUse };
  return new AppError(code, REFUSALS[code].detail(licence), REFUSALS[code].status, {}, { members });
}

const candidate = (l: LicenceWithSeats): SeatCandidate => ({ id: l.id, status: l.status as LicenceStatus, seats: l.seats, seatsInUse: l.seats_in_use, startsAt: l.starts_at, endsAt: l.ends_at });

export function createActivationService(deps: {
  db: Db;
  clock: Clock;
  audit: AuditLog;
  activations: ActivationsRepo;
  settings: SettingsRepo;
  licenceFiles: LicenceFileIssuer;
  /** What validations read, cached until the licence changes (validation-snapshots.ts). */
  validationSnapshots: SnapshotCache<ValidationRow | undefined>;
}) {
  const repo = deps.activations;
  // An instance and its secret never change once registered, so who a secret belongs to can be remembered.
  const callers = new LRUCache<string, InstanceCaller>({ max: 50_000 });
  const staleAfter = (at: Date, s: LicenceApiSettings) => new Date(at.getTime() + s.staleWindowSeconds * 1000);
  const auditActivation = (event: 'activation.created' | 'activation.revived' | 'activation.ended' | 'activation.deactivated', a: ActivationRow, actor: string, trx: Db, details: Record<string, unknown> = {}) =>
    deps.audit.record({ event, actor, awsAccountId: a.aws_account_id, details: { activationId: a.id, licenceId: a.licence_id, instanceId: a.instance_id, region: a.region, ...details } }, trx);

  /** A fresh licence file when the activation's is past half its life and the licence still validates. */
  async function freshFile(activation: ActivationRow, licence: LicenceRow, settings: LicenceApiSettings, force: boolean, trx: Db): Promise<{ activation: ActivationRow; file: string | undefined }> {
    if (!force && !needsFreshFile({ issuedAt: activation.file_issued_at, expiresAt: activation.file_expires_at }, deps.clock.now())) return { activation, file: undefined };
    const verdict = validate({ licence: { status: licence.status as LicenceStatus, seats: licence.seats, startsAt: licence.starts_at, endsAt: licence.ends_at }, activation: { endedReason: null, staleAfter: activation.stale_after, seatRank: null }, now: deps.clock.now(), graceSeconds: settings.graceSeconds });
    if (!verdict.valid) return { activation, file: undefined };
    const signed = await deps.licenceFiles.issue({ licence, instanceId: activation.instance_id, activationId: activation.id, graceSeconds: settings.graceSeconds });
    return { activation: await repo.recordLicenceFile(activation.id, signed.issuedAt, signed.expiresAt, trx), file: signed.token };
  }

  /** Takes a seat on `licenceId` if one is free under the licence's lock; undefined when it is full. */
  async function takeSeat(licenceId: string, request: ActivationRequest, settings: LicenceApiSettings, trx: Db) {
    const now = deps.clock.now();
    const locked = await repo.lockLicenceWithSeats(licenceId, now, trx);
    if (locked === undefined || locked.seats_in_use >= locked.seats) return undefined;
    const inserted = await repo.insertActivation(
      { licenceId, instanceId: request.proven.instanceId, awsAccountId: request.proven.accountId, region: request.proven.region, hostname: request.hostname ?? null, productVersion: request.productVersion ?? null, at: now, staleAfter: staleAfter(now, settings) },
      trx,
    );
    return inserted === 'no_free_seat' ? undefined : { activation: inserted, licence: locked };
  }

  const service = {
    /** The bearer verifier's question: whose instance secret is this? */
    async authenticate(secret: string): Promise<InstanceCaller | undefined> {
      if (!SECRET_SHAPE.test(secret)) return undefined;
      const secretHash = hashToken(secret);
      const known = callers.get(secretHash);
      if (known !== undefined) return known;
      const row = await repo.findInstanceBySecretHash(secretHash);
      if (row === undefined) return undefined;
      const caller = { instanceId: row.instance_id, awsAccountId: row.aws_account_id };
      callers.set(secretHash, caller);
      return caller;
    },

    /**
     * Activates the proven instance: trusted on first use (it gets its secret now), afterwards only with that
     * secret. An instance already holding a seat gets the same activation back.
     */
    async activate(request: ActivationRequest): Promise<ActivationAnswer> {
      const { proven, caller } = request;
      const settings = (await deps.settings.get()).licenceApi;
      const known = await repo.findInstance(proven.instanceId);
      if (known !== undefined && caller?.instanceId !== known.instance_id) throw instanceSecretRequired();
      if (known === undefined && caller !== undefined) throw new AppError('instance_mismatch', 'The instance secret belongs to another instance than the identity document.', 401);

      return deps.db.transaction().execute(async (trx) => {
        const now = deps.clock.now();
        let instanceSecret: string | undefined;
        if (known === undefined) {
          instanceSecret = SECRET_PREFIX + generateToken();
          const registered = await repo.insertInstance({ instance_id: proven.instanceId, aws_account_id: proven.accountId, region: proven.region, secret_hash: hashToken(instanceSecret), first_seen_at: now }, trx);
          // Another request registered it first: its secret is the instance's, and this caller has none.
          if (!registered) throw instanceSecretRequired();
        }
        const actor = `instance:${proven.instanceId}`;

        const open = await repo.findOpenForInstance(proven.instanceId, trx);
        if (open !== undefined) {
          if (request.licenceId !== undefined && request.licenceId !== open.licence_id) {
            throw new AppError('instance_already_active', 'This instance holds a seat on another licence. Deactivate that activation first.', 409, {}, { members: { activationId: open.id, licenceId: open.licence_id } });
          }
          const locked = await repo.lockLicenceWithSeats(open.licence_id, now, trx);
          if (locked === undefined) throw new Error(`activation ${open.id} has no licence`);
          const wasCounting = open.stale_after > now;
          const seatFree = wasCounting || locked.seats_in_use < locked.seats;
          const renewed = seatFree ? await repo.recordHeartbeat(open.id, now, staleAfter(now, settings), trx) : 'no_free_seat';
          if (renewed !== 'no_free_seat') {
            if (!wasCounting) await auditActivation('activation.revived', renewed, actor, trx, { ip: request.ip });
            const { activation, file } = await freshFile(renewed, locked, settings, true, trx);
            return { created: false, activation, heartbeatIntervalSeconds: settings.heartbeatIntervalSeconds, instanceSecret, licenceFile: file };
          }
          // Stale, and its seat was taken meanwhile: it ends, and the instance looks for a seat like a new one.
          const ended = await repo.end(open.id, 'stale', now, trx);
          await auditActivation('activation.ended', ended, 'system', trx, { reason: 'stale' });
        }

        // Licences found full once their lock was ours (a concurrent activation won) count as full from then on.
        const full = new Set<string>();
        for (;;) {
          const candidates = (await repo.licencesWithSeats(proven.accountId, now, trx)).map(candidate).map((c) => (full.has(c.id) ? { ...c, seatsInUse: c.seats } : c));
          const choice = chooseLicence(candidates, request.licenceId, now);
          if (!choice.ok) throw refusal(choice.code, choice.licence);
          const taken = await takeSeat(choice.licence.id, request, settings, trx);
          if (taken === undefined) {
            full.add(choice.licence.id);
            continue;
          }
          await auditActivation('activation.created', taken.activation, actor, trx, { hostname: request.hostname ?? null, productVersion: request.productVersion ?? null, ip: request.ip, firstUse: instanceSecret !== undefined });
          const { activation, file } = await freshFile(taken.activation, taken.licence, settings, true, trx);
          return { created: true, activation, heartbeatIntervalSeconds: settings.heartbeatIntervalSeconds, instanceSecret, licenceFile: file };
        }
      });
    },

    /** Keeps the caller's activation alive (or revives it while a seat is free) and says where it stands. */
    async heartbeat(activationId: string, caller: InstanceCaller): Promise<HeartbeatAnswer> {
      const settings = (await deps.settings.get()).licenceApi;
      const outcome = await deps.db.transaction().execute(async (trx) => {
        const now = deps.clock.now();
        const current = await repo.lockForInstance(activationId, caller.instanceId, trx);
        if (current === undefined) throw new AppError('activation_not_found', 'This instance has no such activation.', 404);
        if (current.ended_at !== null) return { ended: current, answer: undefined };
        const wasCounting = current.stale_after > now;
        // A revival takes a seat, so it queues behind other seat changes on the licence.
        const licence = wasCounting ? undefined : await repo.lockLicenceWithSeats(current.licence_id, now, trx);
        // Checked under the lock before writing: the database's seat rule would refuse it too, but an error aborts the transaction.
        const seatFree = licence === undefined || licence.seats_in_use < licence.seats;
        const renewed = seatFree ? await repo.recordHeartbeat(current.id, now, staleAfter(now, settings), trx) : 'no_free_seat';
        if (renewed === 'no_free_seat') {
          const ended = await repo.end(current.id, 'stale', now, trx);
          await auditActivation('activation.ended', ended, 'system', trx, { reason: 'stale', seats: licence?.seats, seatsInUse: licence?.seats_in_use });
          return { ended, answer: undefined };
        }
        if (!wasCounting) await auditActivation('activation.revived', renewed, `instance:${caller.instanceId}`, trx);
        const row = await repo.forValidation(renewed.licence_id, caller.awsAccountId, caller.instanceId, now, trx);
        if (row === undefined) throw new Error(`activation ${renewed.id} has no licence`);
        const validation = validate(validationInput(row, now, settings));
        const { activation, file } = await freshFile(renewed, row.licence, settings, false, trx);
        return { ended: undefined, answer: { activation, validation, heartbeatIntervalSeconds: settings.heartbeatIntervalSeconds, licenceFile: file } };
      });
      if (outcome.ended !== undefined) {
        throw new AppError('activation_ended', 'This activation has ended and no longer holds a seat. Activate the instance again.', 409, {}, { members: { activationId: outcome.ended.id, endedReason: outcome.ended.ended_reason ?? 'ended' } });
      }
      return outcome.answer;
    },

    /**
     * Frees the seat (the activation stays as history). Instances and owners are held to the licence's
     * deactivation limit (it stops seat rotation across machines). Staff are not: their deactivation is the
     * remedy when a customer hits the limit (a lost host), it needs a reason and is audited with it, and it
     * does not use up the customer's allowance ('deactivated_by_staff' is not counted). It still queues on the
     * licence's lock like every seat change.
     */
    async deactivate(activationId: string, by: { instance: InstanceCaller } | { owner: string } | { staff: { actor: string; reason: string; ip?: string; licenceId: string } }): Promise<ActivationRow> {
      const settings = (await deps.settings.get()).licenceApi;
      return deps.db.transaction().execute(async (trx) => {
        const now = deps.clock.now();
        const current = 'instance' in by ? await repo.lockForInstance(activationId, by.instance.instanceId, trx) : 'owner' in by ? await repo.lockForAccount(activationId, by.owner, trx) : await repo.lockById(activationId, trx);
        // Staff name the licence they are looking at: an activation of another licence is not found there.
        if (current === undefined || ('staff' in by && current.licence_id !== by.staff.licenceId)) throw new AppError('activation_not_found', 'There is no such activation.', 404);
        if (current.ended_at !== null) throw new AppError('activation_ended', 'This activation has already ended.', 409);
        await repo.lockLicenceWithSeats(current.licence_id, now, trx);
        if ('staff' in by) {
          const ended = await repo.end(current.id, 'deactivated_by_staff', now, trx);
          await deps.audit.record({ event: 'activation.deactivated', actor: by.staff.actor, awsAccountId: ended.aws_account_id, ip: by.staff.ip ?? null, reason: by.staff.reason, details: { activationId: ended.id, licenceId: ended.licence_id, instanceId: ended.instance_id, region: ended.region } }, trx);
          return ended;
        }
        const recent = await repo.deactivationsSince(current.licence_id, new Date(now.getTime() - DEACTIVATION_WINDOW_MS), trx);
        const wait = deactivationWaitSeconds(recent, settings.deactivationsPerDay, now);
        if (wait > 0) {
          throw new AppError('deactivation_limit', `This licence allows ${settings.deactivationsPerDay} deactivations in 24 hours; the next is possible in ${Math.ceil(wait / 60)} minutes.`, 429, {}, { retryAfterSeconds: wait });
        }
        const ended = await repo.end(current.id, 'instance' in by ? 'deactivated' : 'deactivated_by_owner', now, trx);
        await auditActivation('activation.deactivated', ended, 'instance' in by ? `instance:${by.instance.instanceId}` : `account:${by.owner}`, trx);
        return ended;
      });
    },

    /** The validation answer for the caller's instance on one licence; someone else's licence is `unknown`. */
    async validate(licenceId: string, instanceId: string | undefined, caller: InstanceCaller): Promise<{ validation: Validation; licence: LicenceRow | undefined }> {
      const settings = (await deps.settings.get()).licenceApi;
      const now = deps.clock.now();
      const row =
        instanceId !== undefined && instanceId !== caller.instanceId
          ? undefined
          : await deps.validationSnapshots.get(licenceId, `${caller.awsAccountId}/${caller.instanceId}/${licenceId}`, () => repo.forValidation(licenceId, caller.awsAccountId, caller.instanceId, now));
      if (row === undefined) return { validation: validate({ licence: undefined, activation: undefined, now, graceSeconds: settings.graceSeconds }), licence: undefined };
      return { validation: validate(validationInput(row, now, settings)), licence: row.licence };
    },

    openForAccount: (awsAccountId: string) => repo.openForAccount(awsAccountId),
    /** The admin panel's view of one licence's activations (open first, then the latest ended). */
    forLicence: (licenceId: string, limit = 100) => repo.forLicence(licenceId, limit),

    /** My Entitlements' view of the account's activations (the licences feature's port). */
    seatHolders: {
      async listOpen(awsAccountId: string): Promise<SeatHolder[]> {
        const rows = await repo.openForAccount(awsAccountId);
        return rows.map((a) => ({ id: a.id, licenceId: a.licence_id, instanceId: a.instance_id, region: a.region, hostname: a.hostname, lastHeartbeatAt: a.last_heartbeat_at, staleAfter: a.stale_after }));
      },
      async deactivateForOwner(activationId: string, awsAccountId: string): Promise<OwnerDeactivation> {
        try {
          await service.deactivate(activationId, { owner: awsAccountId });
          return 'deactivated';
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          if (error.code === 'deactivation_limit') return 'limit_reached';
          if (error.code === 'activation_ended') return 'already_ended';
          if (error.code === 'activation_not_found') return 'not_found';
          throw error;
        }
      },
    } satisfies SeatHolders,
    seatsInUse: (licenceIds: readonly string[]) => repo.seatsInUse(licenceIds, deps.clock.now()),
  };
  return service;
}

function validationInput(row: NonNullable<Awaited<ReturnType<ActivationsRepo['forValidation']>>>, now: Date, settings: LicenceApiSettings) {
  const { licence, activation } = row;
  return {
    licence: { status: licence.status as LicenceStatus, seats: licence.seats, startsAt: licence.starts_at, endsAt: licence.ends_at },
    activation: activation === undefined ? undefined : { endedReason: activation.ended_reason, staleAfter: activation.stale_after, seatRank: activation.seat_rank },
    now,
    graceSeconds: settings.graceSeconds,
  };
}

export type ActivationService = ReturnType<typeof createActivationService>;
