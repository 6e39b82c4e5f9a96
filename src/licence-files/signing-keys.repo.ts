import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { SigningKeyRow } from '../db/schema.js';

/** The licence-file signing keys (migration 0012). */
export function createSigningKeysRepo(db: Db) {
  return {
    current(trx: Db = db): Promise<SigningKeyRow | undefined> {
      return trx.selectFrom('signing_keys').selectAll().where('retired_at', 'is', null).executeTakeFirst();
    },

    currentKid(trx: Db = db): Promise<string | undefined> {
      return trx.selectFrom('signing_keys').select('kid').where('retired_at', 'is', null).executeTakeFirst().then((r) => r?.kid);
    },

    /** Locks the current key (a rotation queues behind another). */
    lockCurrent(trx: Db): Promise<SigningKeyRow | undefined> {
      return trx.selectFrom('signing_keys').selectAll().where('retired_at', 'is', null).forUpdate().executeTakeFirst();
    },

    /** Adds a key as the current one unless there is one already (the database keeps one current): whether it was added. */
    async insertIfNoCurrent(row: Pick<SigningKeyRow, 'kid' | 'public_jwk' | 'private_key_sealed' | 'created_at'>, trx: Db = db): Promise<boolean> {
      const result = await sql`insert into signing_keys (kid, public_jwk, private_key_sealed, created_at) values (${row.kid}, ${JSON.stringify(row.public_jwk)}::jsonb, ${row.private_key_sealed}, ${row.created_at})
        on conflict ((true)) where retired_at is null do nothing`.execute(trx);
      return Number(result.numAffectedRows ?? 0) === 1;
    },

    async retire(kid: string, at: Date, publishedUntil: Date, trx: Db): Promise<void> {
      await trx.updateTable('signing_keys').set({ retired_at: at, published_until: publishedUntil }).where('kid', '=', kid).execute();
    },

    /** The keys a verifier may still meet: the current one, and retired ones whose files can still be valid. */
    published(now: Date, trx: Db = db): Promise<Pick<SigningKeyRow, 'kid' | 'public_jwk' | 'created_at'>[]> {
      return trx
        .selectFrom('signing_keys')
        .select(['kid', 'public_jwk', 'created_at'])
        .where((eb) => eb.or([eb('retired_at', 'is', null), eb('published_until', '>', now)]))
        // The signing key first, then the retired ones, newest first.
        .orderBy(sql`retired_at is null`, 'desc')
        .orderBy('created_at', 'desc')
        .execute();
    },
  };
}

export type SigningKeysRepo = ReturnType<typeof createSigningKeysRepo>;
