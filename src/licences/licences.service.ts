import type { AuditLog } from '../audit/audit.repo.js';
import type { Clock } from '../core/clock.js';
import type { Db } from '../db/database.js';
import type { LicenceRow } from '../db/schema.js';
import { AppError } from '../core/errors.js';
import { applyTransition, type LicenceCommand, type LicenceSource, type LicenceStatus, type TransitionResult } from './licence.lifecycle.js';
import { licenceTerms } from './licence.terms.js';
import type { KeysetCursor } from '../core/keyset-cursor.js';
import type { LicenceSearch, LicencesRepo } from './licences.repo.js';

export interface IssueLicenceInput {
  awsAccountId: string;
  plan: string;
  seats: number;
  source: LicenceSource;
  startsAt?: Date;
  endsAt: Date | null;
  /** Who to tell when a portal account is created for the AWS account. */
  contactEmail?: string | null;
}

export interface Actor {
  /** e.g. "cli", "account:123456789012", "staff:alice@example.com", "marketplace". */
  actor: string;
  reason: string;
  /** The address the change came from, for the audit entry (a staff member's browser). */
  ip?: string;
}

export interface LicenceTermsChange {
  plan?: string;
  seats?: number;
  /** undefined: keep the end date. */
  endsAt?: Date | null;
}

/** `db` opens the transactions; the SQL is the repo's. */
export function createLicenceService(deps: { db: Db; clock: Clock; audit: AuditLog; licences: LicencesRepo }) {
  const repo = deps.licences;

  /** Runs in the caller's transaction when one is given (a change spanning features stays atomic), else in a new one. */
  function inTransaction<T>(trx: Db | undefined, work: (trx: Db) => Promise<T>): Promise<T> {
    return trx === undefined ? deps.db.transaction().execute(work) : work(trx);
  }

  /** The lifecycle's answer, or the refusal as the one error callers see. */
  function allowed(result: TransitionResult): Extract<TransitionResult, { ok: true }> {
    if (!result.ok) throw new AppError('illegal_transition', result.message, 409);
    return result;
  }

  /** Locks the licence row for the rest of the transaction (concurrent changes queue up) and checks the command against it. */
  async function lockAndCheck(licenceId: string, command: Exclude<LicenceCommand, { action: 'issue' | 'request' }>, trx: Db) {
    const row = await repo.findForUpdate(licenceId, trx);
    if (row === undefined) throw new AppError('not_found', 'Licence not found.', 404);
    return { row, result: allowed(applyTransition(licenceTerms(row), command, deps.clock.now())) };
  }

  async function recordTransition(transition: { licenceId: string; action: string; from: LicenceStatus | null; to: LicenceStatus; by: Actor; awsAccountId: string; extra?: Record<string, unknown> }, trx: Db) {
    const { licenceId, action, from, to, by, awsAccountId, extra = {} } = transition;
    const at = deps.clock.now();
    await repo.recordTransition({ licenceId, action, from, to, actor: by.actor, reason: by.reason, at }, trx);
    await deps.audit.record({ event: 'licence.transition', actor: by.actor, awsAccountId, ip: by.ip ?? null, reason: by.reason, details: { licenceId, action, from, to, reason: by.reason, ...extra } }, trx);
  }

  const service = {
    listForAccount: (awsAccountId: string) => repo.listForAccount(awsAccountId),
    listAll: (limit: number) => repo.listAll(limit),
    hasNonRevokedLicence: (awsAccountId: string) => repo.hasNonRevokedLicence(awsAccountId),
    find: (licenceId: string) => repo.find(licenceId),
    /** The admin panel's filtered list (newest first, keyset-paged). */
    search: (filter: LicenceSearch, cursor: KeysetCursor | undefined, limit: number) => repo.search(filter, deps.clock.now(), cursor, limit),
    plans: () => repo.plans(),
    countRequested: () => repo.countRequested(),

    /** Creates a licence through the lifecycle ("issue" makes it active, "request" leaves it requested). */
    async create(input: IssueLicenceInput, action: 'issue' | 'request', by: Actor, trx?: Db): Promise<LicenceRow> {
      const now = deps.clock.now();
      const startsAt = input.startsAt ?? now;
      const result = allowed(applyTransition(undefined, { action, startsAt, endsAt: input.endsAt }, now));
      return inTransaction(trx, async (trx) => {
        const licence = await repo.insert(
          { aws_account_id: input.awsAccountId, plan: input.plan, seats: input.seats, source: input.source, status: result.next.status, starts_at: result.next.startsAt, ends_at: result.next.endsAt, created_at: now, updated_at: now, contact_email: input.contactEmail ?? null },
          trx,
        );
        await recordTransition({ licenceId: licence.id, action, from: null, to: result.next.status, by, awsAccountId: input.awsAccountId }, trx);
        return licence;
      });
    },

    /** Applies one lifecycle command to an existing licence, under a row lock, and records it. */
    async transition(licenceId: string, command: Exclude<LicenceCommand, { action: 'issue' | 'request' | 'amend' }>, by: Actor, trx?: Db): Promise<LicenceRow> {
      return inTransaction(trx, async (trx) => {
        const { row, result } = await lockAndCheck(licenceId, command, trx);
        const updated = await repo.update(licenceId, { status: result.next.status, starts_at: result.next.startsAt, ends_at: result.next.endsAt, updated_at: deps.clock.now() }, trx);
        await recordTransition({ licenceId, action: command.action, from: result.from, to: result.next.status, by, awsAccountId: row.aws_account_id }, trx);
        return updated;
      });
    },

    /** Changes plan, seats and/or end date through the lifecycle's "amend" (active or suspended licences only). */
    async amend(licenceId: string, change: LicenceTermsChange, by: Actor, trx?: Db): Promise<LicenceRow> {
      return inTransaction(trx, async (trx) => {
        const { row, result } = await lockAndCheck(licenceId, { action: 'amend', endsAt: change.endsAt }, trx);
        const plan = change.plan ?? row.plan;
        const seats = change.seats ?? row.seats;
        const updated = await repo.update(licenceId, { plan, seats, ends_at: result.next.endsAt, updated_at: deps.clock.now() }, trx);
        const changes = { plan: [row.plan, plan], seats: [row.seats, seats], endsAt: [row.ends_at?.toISOString() ?? null, result.next.endsAt?.toISOString() ?? null] };
        await recordTransition({ licenceId, action: 'amend', from: result.from, to: result.next.status, by, awsAccountId: row.aws_account_id, extra: { changes } }, trx);
        return updated;
      });
    },

    /**
     * Moves licences whose end date has passed to "expired" through the lifecycle (recorded as the system's
     * doing). Pages already show them as expired; this makes the stored status agree, for every reader.
     * SKIP LOCKED: several portal processes can sweep at once, and a licence being changed is left for the next round.
     */
    async expireDue(limit = 200): Promise<number> {
      const now = deps.clock.now();
      return deps.db.transaction().execute(async (trx) => {
        const due = await repo.lockDueForExpiry(now, limit, trx);
        for (const { id } of due) await service.transition(id, { action: 'expire' }, { actor: 'system', reason: 'The end date was reached.' }, trx);
        return due.length;
      });
    },

    transitionsFor: (licenceId: string) => repo.transitionsFor(licenceId),
  };
  return service;
}

export type LicenceService = ReturnType<typeof createLicenceService>;
