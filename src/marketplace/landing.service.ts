import type { Logger } from 'pino';
import type { ClientInfo } from '../core/client-info.js';
import type { AuditLog } from '../audit/audit.repo.js';
import type { Clock } from '../core/clock.js';
import type { Db } from '../db/database.js';
import type { MarketplaceAws } from './aws.types.js';
import { hashToken } from '../core/tokens.js';
import { signHandshake } from './handshake.js';
import { awsErrorFields, awsProblem, landingErrors } from './marketplace.errors.js';
import type { MarketplaceRepo, SubscriptionIdentity } from './marketplace.repo.js';

/** Real tokens are a few hundred characters; anything far longer is not one (and is never sent to AWS). */
const MAX_TOKEN_LENGTH = 4096;

export interface Landing {
  awsAccountId: string;
  /** The signed handshake for the link page (a cookie); not the Marketplace token. */
  handshake: string;
  handshakeExpiresAt: Date;
}

export function createLandingService(deps: { db: Db; subscriptions: MarketplaceRepo; clock: Clock; audit: AuditLog; logger: Logger; clients: MarketplaceAws; productCode: string | undefined; handshakeKey: Buffer }) {
  const repo = deps.subscriptions;

  /** ResolveCustomer, at once and once: the token is single use by design (aws-protocols.md §1). */
  async function resolveCustomer(token: string): Promise<SubscriptionIdentity> {
    let result;
    try {
      result = await deps.clients.resolveCustomer(token);
    } catch (error) {
      const problem = awsProblem(error, 'landing');
      // The error's name and message only: the token is never logged.
      const log = problem.status >= 500 ? deps.logger.error.bind(deps.logger) : deps.logger.warn.bind(deps.logger);
      log({ ...awsErrorFields(error), code: problem.code }, 'ResolveCustomer failed');
      throw problem;
    }
    const { productCode } = result;
    if (productCode === undefined || productCode !== deps.productCode) {
      deps.logger.warn({ productCode }, 'Marketplace landing for another product code');
      throw landingErrors.wrongProduct();
    }
    const awsAccountId = result.awsAccountId ?? '';
    const licenceArn = result.licenceArn ?? '';
    if (!/^\d{12}$/.test(awsAccountId) || licenceArn === '' || licenceArn.length > 2048) {
      deps.logger.error({ hasAccountId: awsAccountId !== '', hasLicenceArn: licenceArn !== '' }, 'ResolveCustomer returned unusable customer details');
      throw landingErrors.badCustomer();
    }
    const customerIdentifier = result.customerIdentifier !== undefined && result.customerIdentifier !== '' ? result.customerIdentifier : null;
    return { awsAccountId, licenceArn, productCode, customerIdentifier };
  }

  return {
    /**
     * Redeems the registration token, records the subscription (keyed by licence ARN) and opens a
     * short-lived, single-use handshake for the link page, in one transaction. Any failure writes nothing.
     */
    async redeemRegistrationToken(token: string | undefined, client: ClientInfo): Promise<Landing> {
      if (deps.productCode === undefined) {
        deps.logger.error('MARKETPLACE_PRODUCT_CODE is not set: Marketplace landings are refused');
        throw landingErrors.notConfigured();
      }
      const trimmed = token?.trim() ?? '';
      if (trimmed === '') throw landingErrors.missingToken();
      if (trimmed.length > MAX_TOKEN_LENGTH) throw landingErrors.invalidToken();

      const customer = await resolveCustomer(trimmed);
      const now = deps.clock.now();
      return deps.db.transaction().execute(async (trx) => {
        const recorded = await repo.upsertFromLanding(customer, now, trx);
        if (recorded === undefined) {
          deps.logger.error({ licenceArn: customer.licenceArn }, 'Marketplace landing: licence ARN on record for another AWS account');
          throw landingErrors.conflict();
        }
        const { row, inserted } = recorded;
        const { value, claims } = signHandshake(deps.handshakeKey, row.id, now);
        await repo.insertHandshake({ nonceHash: hashToken(claims.nonce), subscriptionId: row.id, now, expiresAt: claims.expiresAt }, trx);
        await deps.audit.record(
          { event: 'marketplace.landed', actor: 'marketplace', awsAccountId: row.aws_account_id, ip: client.ip, details: { subscriptionId: row.id, licenceArn: row.licence_arn, productCode: row.product_code, newSubscription: inserted } },
          trx,
        );
        return { awsAccountId: row.aws_account_id, handshake: value, handshakeExpiresAt: claims.expiresAt };
      });
    },
  };
}

export type LandingService = ReturnType<typeof createLandingService>;
