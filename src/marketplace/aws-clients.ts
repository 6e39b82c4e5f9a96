import { MarketplaceEntitlementServiceClient } from '@aws-sdk/client-marketplace-entitlement-service';
import { MarketplaceMeteringClient } from '@aws-sdk/client-marketplace-metering';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Config } from '../config/config.js';

/**
 * The official AWS SDK clients for the Marketplace, built once from the validated config. Everything
 * else is the SDK's own standard resolution: credentials from its default chain (environment, shared
 * files, SSO, container or instance roles), retries (AWS_MAX_ATTEMPTS, AWS_RETRY_MODE), and, without
 * AWS_ENDPOINT_URL, its endpoint rules (including service-specific AWS_ENDPOINT_URL_* variables).
 */
export interface MarketplaceClients {
  metering: MarketplaceMeteringClient;
  entitlements: MarketplaceEntitlementServiceClient;
  destroy(): void;
}

/** GetEntitlements is offered in us-east-1 only (for commercial AWS), whatever AWS_REGION says. */
const ENTITLEMENT_REGION = 'us-east-1';

/** Timeouts so a buyer's page never hangs on an unreachable endpoint (the SDK has none by default). */
const requestHandler = { connectionTimeout: 3_000, requestTimeout: 10_000 };

export function createMarketplaceClients(config: Pick<Config, 'awsRegion' | 'awsEndpointUrl'>): MarketplaceClients {
  const endpoint = config.awsEndpointUrl;
  const shared = {
    requestHandler,
    ...endpointSettings(endpoint),
  };
  // Built on first use: CLI commands and pages that never call AWS pay nothing for them (and the SDK's
  // start-up checks, such as its Node version notice, run only where AWS is used).
  let metering: MarketplaceMeteringClient | undefined;
  let entitlements: MarketplaceEntitlementServiceClient | undefined;
  return {
    get metering() {
      metering ??= new MarketplaceMeteringClient({ ...shared, region: config.awsRegion });
      return metering;
    },
    get entitlements() {
      entitlements ??= new MarketplaceEntitlementServiceClient({ ...shared, region: ENTITLEMENT_REGION });
      return entitlements;
    },
    destroy() {
      metering?.destroy();
      entitlements?.destroy();
    },
  };
}

/**
 * AWS_ENDPOINT_URL when set. A loopback endpoint is the local emulator (or LocalStack): it needs signed
 * requests but no real keys, and the default chain would otherwise end by probing the EC2 metadata service.
 */
function endpointSettings(endpoint: string | undefined) {
  if (endpoint === undefined) return {};
  const host = new URL(endpoint).hostname;
  const loopback = host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
  return { endpoint, ...(loopback ? { credentials: { accessKeyId: 'local-emulator', secretAccessKey: 'local-emulator' } } : {}) };
}

/**
 * The SQS client for the notification queue: the region from AWS_REGION, credentials from the SDK's
 * default chain. Its request timeout outlasts a 20-second long poll.
 */
export function createSqsClient(config: Pick<Config, 'awsRegion' | 'awsEndpointUrl'>): SQSClient {
  return new SQSClient({ region: config.awsRegion, requestHandler: { connectionTimeout: 3_000, requestTimeout: 35_000 }, ...endpointSettings(config.awsEndpointUrl) });
}
