import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit.repo.js';
import type { Clock } from '../core/clock.js';
import type { Config } from '../config/config.js';
import type { Db } from '../db/database.js';
import { deriveKey } from '../core/keys.js';
import type { LicencesRepo } from '../licences/licences.repo.js';
import type { LicenceService } from '../licences/licences.service.js';
import { createMarketplaceAws } from './aws-clients.js';
import type { MarketplaceAws } from './aws.types.js';
import { createLandingService } from './landing.service.js';
import { createLinkService } from './link.service.js';
import type { MarketplaceRepo } from './marketplace.repo.js';
import { createProvisioningService } from './provisioning.service.js';

/** The buyer's Marketplace journey: landing (ResolveCustomer), link (handshake), provisioning (GetEntitlements). */
export function createMarketplace(deps: {
  db: Db;
  subscriptions: MarketplaceRepo;
  licencesRepo: LicencesRepo;
  clock: Clock;
  audit: AuditLog;
  logger: Logger;
  licences: LicenceService;
  config: Config;
  secretKey: string;
  clients?: MarketplaceAws;
}) {
  const clients = deps.clients ?? createMarketplaceAws(deps.config);
  const handshakeKey = deriveKey(deps.secretKey, 'marketplace-link-handshake');
  const { db, subscriptions, clock, audit, logger } = deps;
  return {
    clients,
    landing: createLandingService({ db, subscriptions, clock, audit, logger, clients, productCode: deps.config.marketplaceProductCode, handshakeKey }),
    link: createLinkService({ db, subscriptions, clock, audit, handshakeKey }),
    provisioning: createProvisioningService({ db, subscriptions, licencesRepo: deps.licencesRepo, clock, audit, logger, clients, licences: deps.licences }),
    subscriptionsForAccount: (awsAccountId: string) => subscriptions.listSubscriptionsForAccount(awsAccountId),
    /** Where a marketplace-sourced licence came from. */
    subscriptionsForLicence: (licenceId: string) => subscriptions.subscriptionsForPortalLicence(licenceId),
    close: () => clients.destroy(),
  };
}

export type Marketplace = ReturnType<typeof createMarketplace>;
