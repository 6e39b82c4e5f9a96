import { sql, type SelectQueryBuilder } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { KeysetCursor } from '../core/keyset-cursor.js';
import type { AuditFilter } from './audit-filter.js';

export interface AuditRow {
  /** bigint, parsed to a number (database.ts). */
  id: number;
  at: Date;
  event: string;
  actor: string;
  aws_account_id: string | null;
  ip: string | null;
  reason: string | null;
  details: Record<string, unknown>;
}

type Query = SelectQueryBuilder<Database, 'audit_events', AuditRow>;

/** `licence.` → every event from `licence.` up to (not including) `licence/`: a range an index can walk. */
function eventFamilyEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

function narrowed(query: Query, filter: AuditFilter, cursor: KeysetCursor | undefined): Query {
  let q = query;
  if (filter.event !== undefined) q = filter.event.endsWith('.') ? q.where('event', '>=', filter.event).where('event', '<', eventFamilyEnd(filter.event)) : q.where('event', '=', filter.event);
  if (filter.actor !== undefined) q = filter.actor.includes(':') ? q.where('actor', '=', filter.actor) : q.where('actor_kind', '=', filter.actor);
  if (filter.awsAccountId !== undefined) q = q.where('aws_account_id', '=', filter.awsAccountId);
  if (filter.from !== undefined) q = q.where('at', '>=', filter.from);
  if (filter.to !== undefined) q = q.where('at', '<', filter.to);
  if (cursor !== undefined) q = q.where(sql<boolean>`(at, id) < (${cursor.at}, ${Number(cursor.id)})`);
  return q;
}

/**
 * The audit log, newest first, a page at a time: keyset paging on (at, id), so page 5 000 costs what page 1
 * does (migration 0014's indexes), and the export walks the same way in batches.
 */
export function createAuditSearchRepo(db: Db) {
  const base = (): Query => db.selectFrom('audit_events').select((eb) => [eb.ref('id').$castTo<number>().as('id'), 'at', 'event', 'actor', 'aws_account_id', 'ip', 'reason', 'details']);

  async function page(filter: AuditFilter, cursor: KeysetCursor | undefined, limit: number): Promise<{ rows: AuditRow[]; next: KeysetCursor | undefined }> {
    const rows = await narrowed(base(), filter, cursor).orderBy('at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
    const more = rows.length > limit;
    const shown = more ? rows.slice(0, limit) : rows;
    const last = shown.at(-1);
    return { rows: shown, next: more && last !== undefined ? { at: last.at, id: String(last.id) } : undefined };
  }

  return {
    page,
    /** Every matching row, newest first, `batchSize` per query: the CSV export streams these. */
    async *all(filter: AuditFilter, batchSize = 1_000): AsyncGenerator<AuditRow[]> {
      let cursor: KeysetCursor | undefined;
      for (;;) {
        const { rows, next } = await page(filter, cursor, batchSize);
        if (rows.length > 0) yield rows;
        if (next === undefined) return;
        cursor = next;
      }
    },
  };
}

export type AuditSearchRepo = ReturnType<typeof createAuditSearchRepo>;
