import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { ActivationEndReason, ActivationRow, InstanceRow, LicenceRow } from '../db/schema.js';

/** Raised by the seat trigger of migration 0010 when a new or revived activation would exceed the seats. */
const SEAT_LIMIT_SQLSTATE = 'WS409';

function isSeatLimit(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === SEAT_LIMIT_SQLSTATE;
}

export type LicenceWithSeats = LicenceRow & { seats_in_use: number };

/** A licence and the caller's latest activation on it, with that activation's place among those counting. */
export interface ValidationRow {
  licence: LicenceRow;
  activation: (ActivationRow & { seat_rank: number | null }) | undefined;
}

export interface NewActivation {
  licenceId: string;
  instanceId: string;
  awsAccountId: string;
  region: string;
  hostname: string | null;
  productVersion: string | null;
  at: Date;
  staleAfter: Date;
}

/** Instances, their activations, and the licences as the seat rules see them. */
export function createActivationsRepo(db: Db) {
  const seatsInUse = (now: Date) =>
    sql<number>`(select count(*)::int from activations a where a.licence_id = licences.id and a.ended_at is null and a.stale_after > ${now})`;

  return {
    findInstance(instanceId: string, trx: Db = db): Promise<InstanceRow | undefined> {
      return trx.selectFrom('instances').selectAll().where('instance_id', '=', instanceId).executeTakeFirst();
    },

    findInstanceBySecretHash(secretHash: string, trx: Db = db): Promise<Pick<InstanceRow, 'instance_id' | 'aws_account_id'> | undefined> {
      return trx.selectFrom('instances').select(['instance_id', 'aws_account_id']).where('secret_hash', '=', secretHash).executeTakeFirst();
    },

    /** First use of an instance; false when another request registered it first (its secret wins). */
    async insertInstance(values: InstanceRow, trx: Db = db): Promise<boolean> {
      const row = await trx.insertInto('instances').values(values).onConflict((oc) => oc.column('instance_id').doNothing()).returning('instance_id').executeTakeFirst();
      return row !== undefined;
    },

    /** The account's licences with the activations counting against each one's seats now. */
    licencesWithSeats(awsAccountId: string, now: Date, trx: Db = db): Promise<LicenceWithSeats[]> {
      return trx.selectFrom('licences').selectAll().select(seatsInUse(now).as('seats_in_use')).where('aws_account_id', '=', awsAccountId).execute();
    },

    /**
     * The licence locked for the rest of the transaction (seat changes on it queue up), with its seats in use.
     * Counted in a second statement, after the lock is ours: in one statement the count would come from the
     * snapshot taken before waiting for the lock, missing the seat the previous holder just took.
     */
    async lockLicenceWithSeats(licenceId: string, now: Date, trx: Db = db): Promise<LicenceWithSeats | undefined> {
      const licence = await trx.selectFrom('licences').selectAll().where('id', '=', licenceId).forUpdate().executeTakeFirst();
      if (licence === undefined) return undefined;
      const counted = await trx
        .selectFrom('activations')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('licence_id', '=', licenceId)
        .where('ended_at', 'is', null)
        .where('stale_after', '>', now)
        .executeTakeFirstOrThrow();
      return { ...licence, seats_in_use: Number(counted.n) };
    },

    findOpenForInstance(instanceId: string, trx: Db = db): Promise<ActivationRow | undefined> {
      return trx.selectFrom('activations').selectAll().where('instance_id', '=', instanceId).where('ended_at', 'is', null).executeTakeFirst();
    },

    /** The instance's own activation, locked; another instance's is not found (no leak). */
    lockForInstance(activationId: string, instanceId: string, trx: Db = db): Promise<ActivationRow | undefined> {
      return trx.selectFrom('activations').selectAll().where('id', '=', activationId).where('instance_id', '=', instanceId).forUpdate().executeTakeFirst();
    },

    /** An activation of one of the account's licences, locked (the owner's deactivation from My Entitlements). */
    lockForAccount(activationId: string, awsAccountId: string, trx: Db = db): Promise<ActivationRow | undefined> {
      return trx.selectFrom('activations').selectAll().where('id', '=', activationId).where('aws_account_id', '=', awsAccountId).forUpdate().executeTakeFirst();
    },

    /** Any activation, locked (a staff member's deactivation from the admin panel). */
    lockById(activationId: string, trx: Db = db): Promise<ActivationRow | undefined> {
      return trx.selectFrom('activations').selectAll().where('id', '=', activationId).forUpdate().executeTakeFirst();
    },

    /** The licence's activations for the admin panel: open ones first, then the latest ended, newest first within each. */
    forLicence(licenceId: string, limit: number, trx: Db = db): Promise<ActivationRow[]> {
      return trx.selectFrom('activations').selectAll().where('licence_id', '=', licenceId).orderBy(sql`ended_at is null`, 'desc').orderBy('activated_at', 'desc').orderBy('id').limit(limit).execute();
    },

    /** Takes a seat; 'no_free_seat' when the database's seat rule refuses it. */
    async insertActivation(values: NewActivation, trx: Db = db): Promise<ActivationRow | 'no_free_seat'> {
      try {
        return await trx
          .insertInto('activations')
          .values({
            licence_id: values.licenceId,
            instance_id: values.instanceId,
            aws_account_id: values.awsAccountId,
            region: values.region,
            hostname: values.hostname,
            product_version: values.productVersion,
            activated_at: values.at,
            last_heartbeat_at: values.at,
            stale_after: values.staleAfter,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
      } catch (error) {
        if (isSeatLimit(error)) return 'no_free_seat';
        throw error;
      }
    },

    /** A heartbeat (or a revival of a stale activation, which the seat rule may refuse). */
    async recordHeartbeat(activationId: string, at: Date, staleAfter: Date, trx: Db = db): Promise<ActivationRow | 'no_free_seat'> {
      try {
        return await trx.updateTable('activations').set({ last_heartbeat_at: at, stale_after: staleAfter }).where('id', '=', activationId).returningAll().executeTakeFirstOrThrow();
      } catch (error) {
        if (isSeatLimit(error)) return 'no_free_seat';
        throw error;
      }
    },

    recordLicenceFile(activationId: string, issuedAt: Date, expiresAt: Date, trx: Db = db): Promise<ActivationRow> {
      return trx.updateTable('activations').set({ file_issued_at: issuedAt, file_expires_at: expiresAt }).where('id', '=', activationId).returningAll().executeTakeFirstOrThrow();
    },

    end(activationId: string, reason: ActivationEndReason, at: Date, trx: Db = db): Promise<ActivationRow> {
      return trx.updateTable('activations').set({ ended_at: at, ended_reason: reason }).where('id', '=', activationId).returningAll().executeTakeFirstOrThrow();
    },

    /** When the licence's activations were deactivated (by instance or owner) since `since`. */
    async deactivationsSince(licenceId: string, since: Date, trx: Db = db): Promise<Date[]> {
      const rows = await trx
        .selectFrom('activations')
        .select('ended_at')
        .where('licence_id', '=', licenceId)
        .where('ended_reason', 'in', ['deactivated', 'deactivated_by_owner'])
        .where('ended_at', '>', since)
        .execute();
      return rows.flatMap((r) => (r.ended_at === null ? [] : [r.ended_at]));
    },

    /**
     * One round trip for a validation: the licence if it is the account's, and the instance's latest activation
     * on it (an open one first), ranked by age among the activations counting against the seats.
     */
    async forValidation(licenceId: string, awsAccountId: string, instanceId: string, now: Date, trx: Db = db): Promise<ValidationRow | undefined> {
      const licence = await trx.selectFrom('licences').selectAll().where('id', '=', licenceId).where('aws_account_id', '=', awsAccountId).executeTakeFirst();
      if (licence === undefined) return undefined;
      const activation = await trx
        .selectFrom('activations as a')
        .selectAll('a')
        .select(
          sql<number | null>`case when a.ended_at is null and a.stale_after > ${now} then (
            select count(*)::int from activations o
            where o.licence_id = a.licence_id and o.ended_at is null and o.stale_after > ${now}
              and (o.activated_at, o.id) <= (a.activated_at, a.id)) end`.as('seat_rank'),
        )
        .where('a.licence_id', '=', licenceId)
        .where('a.instance_id', '=', instanceId)
        .orderBy(sql`a.ended_at is null`, 'desc')
        .orderBy('a.activated_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      return { licence, activation };
    },

    /** For each of these licences, the activations counting against its seats now (licences with none are left out). */
    async seatsInUse(licenceIds: readonly string[], now: Date, trx: Db = db): Promise<Map<string, number>> {
      if (licenceIds.length === 0) return new Map();
      const rows = await trx
        .selectFrom('activations')
        .select(['licence_id', (eb) => eb.fn.countAll<string>().as('n')])
        .where('licence_id', 'in', licenceIds)
        .where('ended_at', 'is', null)
        .where('stale_after', '>', now)
        .groupBy('licence_id')
        .execute();
      return new Map(rows.map((r) => [r.licence_id, Number(r.n)]));
    },

    /** The account's activations not ended, newest first (My Entitlements). */
    openForAccount(awsAccountId: string, trx: Db = db): Promise<ActivationRow[]> {
      return trx.selectFrom('activations').selectAll().where('aws_account_id', '=', awsAccountId).where('ended_at', 'is', null).orderBy('activated_at', 'desc').execute();
    },
  };
}

export type ActivationsRepo = ReturnType<typeof createActivationsRepo>;
