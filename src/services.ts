import type { Logger } from 'pino';
import { createAdminPanel } from './admin/admin.service.js';
import { createAccountProofService } from './account-proofs/account-proofs.service.js';
import { createProofLinksRepo } from './account-proofs/proof-links.repo.js';
import { createAccountSettingsRepo } from './account-settings/account-settings.repo.js';
import { createAccountSettingsService } from './account-settings/account-settings.service.js';
import { createAccountProvisioningService } from './accounts/account-provisioning.service.js';
import { createAccountTokensRepo } from './accounts/account-tokens.repo.js';
import { createAccountsRepo } from './accounts/accounts.repo.js';
import { createCustomerAccountsService } from './accounts/customer-accounts.service.js';
import { createCustomerSearchRepo } from './accounts/customer-search.repo.js';
import { createPasswordHasher, type PasswordHasher } from './accounts/password.hasher.js';
import { createPasswordResetService } from './accounts/password-reset.service.js';
import { createRegistrationService } from './accounts/registration.service.js';
import { createAuditLog } from './audit/audit.repo.js';
import { createAuditSearchRepo } from './audit/audit-search.repo.js';
import { systemClock, type Clock } from './core/clock.js';
import type { Config } from './config/config.js';
import { createLogger } from './config/logger.js';
import { resolveSecretKey } from './config/secret-key.js';
import { connectDatabase, migrateToLatest, type Db } from './db/database.js';
import { createChangeFeed } from './db/change-feed.js';
import { openDatabaseServer } from './db/database-server.js';
import { watchWrites } from './db/write-watch.js';
import { createRateLimitCountersRepo } from './http/rate-limit-counters.repo.js';
import { createRateLimitStore } from './http/rate-limit.store.js';
import { createLicencesRepo } from './licences/licences.repo.js';
import { createLicenceService } from './licences/licences.service.js';
import { createMailer } from './mail/mailer.js';
import { createOutboxRepo } from './mail/outbox.repo.js';
import { createMarketplaceRepo } from './marketplace/marketplace.repo.js';
import { createMarketplace } from './marketplace/marketplace.service.js';
import { createNotificationRepo } from './marketplace/notification.repo.js';
import { createNotificationService } from './marketplace/notification.service.js';
import { createEmailCodesRepo } from './mfa/email-codes.repo.js';
import { createMfaRepo } from './mfa/mfa.repo.js';
import { createMfaService } from './mfa/mfa.service.js';
import { createKnownDevices } from './sessions/known-devices.js';
import { createKnownDevicesRepo } from './sessions/known-devices.repo.js';
import { createSessionsRepo } from './sessions/sessions.repo.js';
import { createSessionService } from './sessions/sessions.service.js';
import { createSignInChallengesRepo } from './sign-in/sign-in-challenges.repo.js';
import { createSignInService } from './sign-in/sign-in.service.js';
import { createSettingsRepo } from './settings/settings.repo.js';
import { createThrottleRepo } from './throttle/throttle.repo.js';
import { createActivationsRepo, type ValidationRow } from './activations/activations.repo.js';
import { createActivationService } from './activations/activations.service.js';
import { createApiLimits } from './activations/api-limits.js';
import { createLicenceRequestService } from './activations/licence-requests.service.js';
import { createSnapshotCache, VALIDATION_SNAPSHOT_TTL_MS } from './activations/validation-snapshots.js';
import { loadIdentityVerifier, type VerifyIdentity } from './instance-identity/identity.verifier.js';
import { createLicenceFiles } from './licence-files/licence-files.service.js';
import { createSigningKeysRepo } from './licence-files/signing-keys.repo.js';

export interface ServiceOptions {
  clock?: Clock;
  logger?: Logger;
  /** "server" owns the embedded database server; "command" borrows a running one (CLI beside a portal). */
  role?: 'server' | 'command';
  migrate?: boolean;
  /** Checks EC2 instance identity documents; by default AWS's pinned certificates (and INSTANCE_IDENTITY_CERT_FILE). */
  verifyIdentity?: VerifyIdentity;
}

/** The one composition root: the server, the CLI and the tests build the portal's parts here. */
export async function createServices(config: Config, options: ServiceOptions = {}) {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.logLevel);
  const secretKey = await resolveSecretKey(config.secretKey, config.dataDir);
  const server = await openDatabaseServer(config, { role: options.role ?? 'server', logger });
  const database = connectDatabase(server.url);
  // Each process hears every committed licence and activation change, to keep its caches true (migration 0013),
  // and forgets them at once when it writes those tables itself.
  const licenceChanges = createChangeFeed({ url: server.url, channel: 'licence_changes', onError: (error) => logger.warn({ err: error }, 'licence change feed lost; reconnecting') });
  const db: Db = database.db.withPlugin(watchWrites(['licences', 'activations'], () => licenceChanges.noteLocalWrite()));
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

  // Every repo once, here; services get the repos they use and `db` only to open transactions.
  const audit = createAuditLog({ db, clock });
  const settings = createSettingsRepo(db, clock);
  const throttle = createThrottleRepo(db);
  const accountTokens = createAccountTokensRepo(db);
  const accounts = createAccountsRepo(db, accountTokens);
  const licencesRepo = createLicencesRepo(db);
  const mfaRepo = createMfaRepo(db);
  const subscriptions = createMarketplaceRepo(db);
  const publicUrl = config.publicUrl;

  const mailer = createMailer({ db, outbox: createOutboxRepo(db), clock, logger, smtpUrl: config.smtpUrl, mailFrom: config.mailFrom, logBodies: config.development, secretKey });
  const sessions = createSessionService({ sessions: createSessionsRepo(db), clock, settings });
  const licences = createLicenceService({ db, clock, audit, licences: licencesRepo });
  const mfa = createMfaService({ db, clock, accounts, mfa: mfaRepo, emailCodes: createEmailCodesRepo(db), throttle, mailer, audit, sessions, secretKey, publicUrl });
  const knownDevices = createKnownDevices({ devices: createKnownDevicesRepo(db), secretKey });
  const rateLimitCounters = createRateLimitCountersRepo(db);
  const rateLimits = createRateLimitStore({ counters: rateLimitCounters, clock });
  const verifyIdentity = options.verifyIdentity ?? loadIdentityVerifier(config.instanceIdentityCertFile);
  const licenceFiles = createLicenceFiles({ db, clock, audit, keys: createSigningKeysRepo(db), secretKey, issuer: config.publicUrl.origin });
  const validationSnapshots = createSnapshotCache<ValidationRow | undefined>({ feed: licenceChanges, clock, ttlMs: VALIDATION_SNAPSHOT_TTL_MS, maxEntries: 50_000 });
  const activations = createActivationService({ db, clock, audit, activations: createActivationsRepo(db), settings, licenceFiles, validationSnapshots });
  const marketplace = createMarketplace({ db, subscriptions, licencesRepo, clock, audit, logger, licences, config, secretKey });
  const marketplaceNotifications = createNotificationService({
    db,
    notifications: createNotificationRepo(db),
    subscriptions,
    licencesRepo,
    clock,
    audit,
    logger,
    licences,
    clients: marketplace.clients,
    productCode: config.marketplaceProductCode,
  });

  // Self-registration without a proof of the AWS account is refused while this setting is on.
  const requiresProof = async () => (await settings.get()).registrationRequiresProof;

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
    accounts,
    licences,
    mfa,
    knownDevices,
    marketplace,
    marketplaceNotifications,
    auditSearch: createAuditSearchRepo(db),
    customerAccounts: createCustomerAccountsService({ db, clock, accounts, search: createCustomerSearchRepo(db), sessions, audit }),
    accountProvisioning: createAccountProvisioningService({ db, clock, hasher, accounts, licences: licencesRepo, mailer, audit, publicUrl }),
    registration: createRegistrationService({ db, clock, hasher, accounts, tokens: accountTokens, throttle, sessions, licences: licencesRepo, mailer, audit, publicUrl, requiresProof }),
    verifyIdentity,
    licenceFiles,
    activations,
    apiLimits: createApiLimits({ counters: rateLimitCounters, clock }),
    licenceRequests: createLicenceRequestService({ db, clock, audit, licences, licencesRepo, settings }),
    accountProofs: createAccountProofService({ db, links: createProofLinksRepo(db), licences: licencesRepo, clock, audit, publicUrl }),
    signIn: createSignInService({ db, clock, hasher, accounts, challenges: createSignInChallengesRepo(db), throttle, sessions, audit, settings, mfa, knownDevices }),
    passwordReset: createPasswordResetService({ db, clock, hasher, accounts, tokens: accountTokens, sessions, mailer, audit, publicUrl }),
    accountSettings: createAccountSettingsService({
      db,
      clock,
      hasher,
      accounts,
      tokens: accountTokens,
      settingsPage: createAccountSettingsRepo(db),
      throttle,
      sessions,
      mailer,
      audit,
      publicUrl,
    }),
    admin: createAdminPanel({ db, clock, hasher, throttle, mailer, audit, settings, secretKey, publicUrl }),
    close: async () => {
      marketplace.close();
      await licenceChanges.close();
      await release();
    },
  };
}

export type Services = Awaited<ReturnType<typeof createServices>>;
