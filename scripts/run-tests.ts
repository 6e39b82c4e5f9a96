/**
 * Runs every test with node's test runner:
 *   1. unit tests (src/**\/*.test.ts) and integration tests (test/**) against a PostgreSQL given by URL:
 *      TEST_DATABASE_URL when set, otherwise a separate embedded server started here to stand for one;
 *   2. a sample of the HTTP journey tests again with each portal running its own embedded server (DATABASE_URL
 *      unset; TEST_EMBEDDED_ALL=1 for all of them).
 * `node --import tsx scripts/run-tests.ts unit` runs only the unit tests.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';

async function find(dir: string, pattern: RegExp): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && pattern.test(e.name))
    .map((e) => path.relative(process.cwd(), path.join(e.parentPath, e.name)))
    .sort();
}

const totals = { passed: 0, failed: 0, skipped: 0 };

/** Runs one pass, echoing its output and adding its summary ("ℹ pass N"…) to the totals. */
function runNodeTests(files: string[], env: Record<string, string>, label: string): Promise<number> {
  if (files.length === 0) return Promise.resolve(0);
  process.stdout.write(`\n=== ${label}: ${files.length} file(s) ===\n`);
  // --test-force-exit: a file whose cleanup failed (and left a handle open) is reported, never waited on forever.
  const args = ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-force-exit', '--test-reporter=spec', ...files];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      output += chunk.toString();
    });
    child.on('close', (code) => {
      const count = (name: string) => Number(new RegExp(`^ℹ ${name} (\\d+)$`, 'm').exec(output)?.[1] ?? 0);
      totals.passed += count('pass');
      totals.failed += count('fail') + count('cancelled');
      totals.skipped += count('skipped') + count('todo');
      if (code !== 0 && count('fail') + count('cancelled') === 0) totals.failed += 1; // a crash outside any test
      resolve(code ?? 1);
    });
  });
}

const onlyUnit = process.argv[2] === 'unit';
const unit = await find('src', /\.test\.tsx?$/);
const summary = () => process.stdout.write(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
if (onlyUnit) {
  const code = await runNodeTests(unit, {}, 'unit tests');
  summary();
  process.exit(code);
}

const integration = await find('test', /\.test\.tsx?$/);
/**
 * The second pass proves a portal runs on its own embedded PostgreSQL; a sample of journeys covering
 * every feature does that within the suite's time budget. TEST_EMBEDDED_ALL=1 runs every HTTP file there.
 */
const EMBEDDED_SAMPLE = ['sign-in', 'registration', 'password-reset', 'mfa-authenticator', 'account-settings-page-and-sessions', 'entitlements', 'marketplace-landing', 'marketplace-link-and-provision', 'api-context', 'contexts'];
const httpJourneys = integration.filter(
  (f) => f.startsWith(path.join('test', 'http')) && (process.env.TEST_EMBEDDED_ALL === '1' || EMBEDDED_SAMPLE.includes(path.basename(f, '.test.ts'))),
);

let databaseUrl = process.env.TEST_DATABASE_URL;
let external: { stop(): Promise<void> } | undefined;
const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'wsp-tests-'));
// As root the embedded server runs as the postgres user, which must be able to pass through this folder.
await fs.chmod(scratch, 0o711);
if (databaseUrl === undefined) {
  const server = await startEmbeddedPostgres({ dataDir: path.join(scratch, 'external-pg'), log: () => undefined });
  databaseUrl = server.url;
  external = server;
  process.stdout.write('TEST_DATABASE_URL is not set: started a separate embedded PostgreSQL server to stand for an external one.\n');
}

let failures = 0;
try {
  failures += await runNodeTests([...unit, ...integration], { TEST_DATABASE_URL: databaseUrl, TEST_DB_MODE: 'url' }, 'unit and integration tests (PostgreSQL by URL)');
  failures += await runNodeTests(httpJourneys, { TEST_DATABASE_URL: databaseUrl, TEST_DB_MODE: 'embedded' }, 'HTTP journeys (each portal with its own embedded PostgreSQL)');
} finally {
  await external?.stop();
  await fs.rm(scratch, { recursive: true, force: true });
}
summary();
process.exit(failures === 0 ? 0 : 1);
