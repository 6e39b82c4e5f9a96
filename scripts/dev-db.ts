/**
 * A throwaway PostgreSQL for running single test files while developing:
 *   node --import tsx scripts/dev-db.ts            (prints a URL, runs until Ctrl-C)
 *   TEST_DATABASE_URL=<url> node --import tsx --test test/http/sign-in.test.ts
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';

const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'wsp-dev-db-'));
// As root the embedded server runs as the postgres user, which must be able to pass through this folder.
await fs.chmod(scratch, 0o711);
const server = await startEmbeddedPostgres({ dataDir: path.join(scratch, 'pg'), log: () => undefined });
process.stdout.write(`TEST_DATABASE_URL=${server.url}\n`);
const stop = () => {
  void server.stop().finally(() => fs.rm(scratch, { recursive: true, force: true }).finally(() => process.exit(0)));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
setInterval(() => undefined, 1 << 30);
