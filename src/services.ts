import type { Logger } from 'pino';
import { createAccountSettingsService } from './account-settings/account-settings.service.js';
import { createAccountProvisioningService } from './accounts/account-provisioning.service.js';
import { createAccountsRepo } from './accounts/accounts.repo.js';
import { createPasswordHasher, type PasswordHasher } from './accounts/password.hasher.js';
import { createPasswordResetService } from './accounts/password-reset.service.js';
import { createRegistrationService } from './accounts/registration.service.js';
import { createAuditLog } from './audit/audit.repo.js';
import { systemClock, type Clock } from './core/clock.js';
import type { Config } from './config/config.js';
import { createLogger } from './config/logger.js';
import { resolveSecretKey } from './config/secret-key.js';
import { connectDatabase, migrateToLatest, type Db } from './db/database.js';
import { openDatabaseServer } from './db/database-server.js';
import { createRateLimitCountersRepo } from './http/rate-limit-counters.repo.js';
import { createRateLimitStore } from './http/rate-limit.store.js';
import { createLicencesRepo } from './licences/licences.repo.js';
import { createLicenceService } from './licences/licences.service.js';
import { createMailer } from './mail/mailer.js';
import { createMarketplace } from './marketplace/marketplace.service.js';
import { createNotificationService } from './marketplace/notification.service.js';
import { createMfaService } from './mfa/mfa.service.js';
import { createKnownDevices } from './sessions/known-devices.js';
import { createSessionService } from './sessions/sessions.service.js';
import { createSignInService } from './sign-in/sign-in.service.js';
import { createSettingsRepo } from './settings/settings.repo.js';

export interface ServiceOptions {
  clock?: Clock;
  logger?: Logger;
  /** "server" owns the embedded database server; "command" borrows a running one (CLI beside a portal). */
  role?: 'server' | 'command';
  migrate?: boolean;
}

/** The one composition root: the server, the CLI and the tests build the portal's parts here. */
export async function createServices(config: Config, options: ServiceOptions = {}) {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.logLevel);
  const secretKey = await resolveSecretKey(config.secretKey, config.dataDir);
  const server = await openDatabaseServer(config, { role: options.role ?? 'server', logger });
  const database = connectDatabase(server.url);
  const db: Db = database.db;
  // Anything failing after the database is open must still release it (and the embedded server).
  const release = async () => {
    await database.close();
    await server.release();
  };
  let hasher: PasswordHasher;
  try {
    if (options.migrate ?? true) await migrateToLatest(db);
    hasher = await createPasswordHasher();
  } catch (error) {
    await release();
    throw error;
  }

  const audit = createAuditLog({ db, clock });
  const settings = createSettingsRepo(db, clock);
  const mailer = createMailer({ db, clock, logger, smtpUrl: config.smtpUrl, mailFrom: config.mailFrom, logBodies: config.development, secretKey });
  const sessions = createSessionService({ db, clock, settings });
  const licencesRepo = createLicencesRepo(db);
  const licences = createLicenceService({ db, clock, audit });
  const publicUrl = config.publicUrl;
  const mfa = createMfaService({ db, clock, mailer, audit, sessions, secretKey, publicUrl });
  const knownDevices = createKnownDevices({ db, secretKey });
  const rateLimits = createRateLimitStore({ counters: createRateLimitCountersRepo(db), clock });
  const marketplace = createMarketplace({ db, clock, audit, logger, licences, config, secretKey });
  const marketplaceNotifications = createNotificationService({ db, clock, audit, logger, licences, clients: marketplace.clients, productCode: config.marketplaceProductCode });

  return {
    config,
    secretKey,
    clock,
    logger,
    db,
    databaseMode: server.mode,
    hasher,
    audit,
    settings,
    rateLimits,
    mailer,
    sessions,
    accounts: createAccountsRepo(db),
    licences,
    mfa,
    knownDevices,
    marketplace,
    marketplaceNotifications,
    accountProvisioning: createAccountProvisioningService({ db, clock, hasher, licences: licencesRepo, mailer, audit, publicUrl }),
    registration: createRegistrationService({ db, clock, hasher, sessions, licences: licencesRepo, mailer, audit, publicUrl }),
    signIn: createSignInService({ db, clock, hasher, sessions, audit, settings, mfa, knownDevices }),
    passwordReset: createPasswordResetService({ db, clock, hasher, sessions, mailer, audit, publicUrl }),
    accountSettings: createAccountSettingsService({ db, clock, hasher, sessions, mailer, audit, publicUrl }),
    close: async () => {
      marketplace.close();
      await release();
    },
  };
}

export type Services = Awaited<ReturnType<typeof createServices>>;
