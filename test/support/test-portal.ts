import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { VerifyIdentity } from '../../src/instance-identity/identity.verifier.js';
import { ManualClock } from '../../src/core/clock.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createLogger } from '../../src/config/logger.js';
import { buildApp, type App } from '../../src/app.js';
import { createServices, type Services } from '../../src/services.js';
import { testIdentitySigner } from './instance-identity.js';
import { createScratchDatabase, freePort } from './resources.js';
import { startInbox, type TestInbox } from './smtp.js';

export interface TestPortal {
  services: Services;
  app: App;
  clock: ManualClock;
  config: Config;
  inbox: TestInbox;
  /** Base URL when started with `listen: true` (browser tests). */
  url: string;
  /** Delivers queued emails to the test inbox now. */
  deliverMail(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A fresh portal for one test file: its own database (a new database on TEST_DATABASE_URL, or with
 * TEST_DB_MODE=embedded its own embedded server under a temporary DATA_DIR), a real SMTP inbox and a
 * clock the test controls.
 */
export async function createTestPortal(options: { listen?: boolean; env?: Record<string, string>; logStream?: Writable; verifyIdentity?: VerifyIdentity } = {}): Promise<TestPortal> {
  const inbox = await startInbox();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'wsp-portal-'));
  const mode = process.env.TEST_DB_MODE === 'embedded' ? 'embedded' : 'url';
  let databaseUrl: string | undefined;
  let dropDatabase: (() => Promise<void>) | undefined;
  // A test that brings its own server (env DATABASE_URL) needs no scratch database.
  if (mode === 'url' && options.env?.DATABASE_URL === undefined) {
    const database = await createScratchDatabase();
    databaseUrl = database.url;
    dropDatabase = database.drop;
  }

  const port = options.listen === true ? await freePort() : 3000;
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: dataDir,
    SMTP_URL: inbox.url,
    SECRET_KEY: 'test-secret-key-with-at-least-32-characters!!',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // Identity documents signed by the test's stand-in for AWS (test/support/instance-identity.ts) verify.
    // (Production refuses the setting, so a production-mode portal goes without it.)
    ...(options.env?.NODE_ENV === 'production' ? {} : { INSTANCE_IDENTITY_CERT_FILE: testIdentitySigner().certificateFile }),
    ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }),
    ...options.env,
  });
  const clock = new ManualClock(new Date());
  const services = await createServices(config, { clock, logger: createLogger(config.logLevel, options.logStream), role: 'server', verifyIdentity: options.verifyIdentity });
  const app = await buildApp(services);
  let url = config.publicUrl.origin;
  if (options.listen === true) {
    await app.listen({ port, host: '127.0.0.1' });
    url = `http://127.0.0.1:${port}`;
  }
  return {
    services,
    app,
    clock,
    config,
    inbox,
    url,
    async deliverMail() {
      await services.mailer.deliverPending();
    },
    async close() {
      // Every step runs even when one fails (the first failure is reported): a half-closed portal would
      // keep the test process alive, and the run would hang instead of failing.
      const steps = [() => app.close(), () => services.close(), () => inbox.close(), () => dropDatabase?.(), () => fs.rm(dataDir, { recursive: true, force: true })];
      const failures: unknown[] = [];
      for (const step of steps) await Promise.resolve(step()).catch((error: unknown) => failures.push(error));
      if (failures.length > 0) throw failures[0];
    },
  };
}


/** Issues an active licence the way the CLI does. */
export async function issueLicence(portal: TestPortal, awsAccountId: string, overrides: { plan?: string; seats?: number; days?: number } = {}) {
  const now = portal.clock.now();
  return portal.services.licences.create(
    { awsAccountId, plan: overrides.plan ?? 'standard', seats: overrides.seats ?? 5, source: 'direct', endsAt: overrides.days === undefined ? null : new Date(now.getTime() + overrides.days * 86_400_000) },
    'issue',
    { actor: 'test', reason: 'test fixture' },
  );
}

export const GOOD_PASSWORD = 'Blue-Kettle-42';
