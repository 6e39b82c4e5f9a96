import { Kysely, Migrator, PostgresDialect, type MigrationResultSet } from 'kysely';
import pg from 'pg';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

export interface DatabaseHandle {
  db: Db;
  close(): Promise<void>;
}

// int8 (counts, identities) as numbers: every value we count stays far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/** How long a request waits for a connection (a new one, or a free one from a busy pool) before failing. */
const CONNECTION_TIMEOUT_MS = 5_000;

export function connectDatabase(url: string, options: { maxConnections?: number } = {}): DatabaseHandle {
  // A bounded connect: while the server is down or unreachable, requests fail fast (503) instead of hanging.
  const pool = new pg.Pool({ connectionString: url, max: options.maxConnections ?? 10, connectionTimeoutMillis: CONNECTION_TIMEOUT_MS });
  // A client losing its server (restart, failover) must not crash the process: pg emits 'error' on idle
  // clients (the pool's listener) and on checked-out ones between queries (a transaction waiting on SMTP or
  // argon2), which have no listener of their own. Its next query fails, and the pool discards it on release.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, close: () => db.destroy() };
}

/** Brings the schema up to date. Kysely takes a PostgreSQL advisory lock, so concurrent starts are safe. */
export async function migrateToLatest(db: Db): Promise<MigrationResultSet> {
  const migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve(migrations) } });
  const result = await migrator.migrateToLatest();
  if (result.error !== undefined) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    const reason = result.error instanceof Error ? result.error.message : JSON.stringify(result.error);
    throw new Error(`Migration ${failed} failed: ${reason}`);
  }
  return result;
}
