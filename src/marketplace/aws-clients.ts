import { GetEntitlementsCommand, MarketplaceEntitlementServiceClient, type Entitlement as SdkEntitlement, type GetEntitlementFilterName } from '@aws-sdk/client-marketplace-entitlement-service';
import { MarketplaceMeteringClient, ResolveCustomerCommand } from '@aws-sdk/client-marketplace-metering';
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import type { Config } from '../config/config.js';
import type { Entitlement, EntitlementFilter, EntitlementPage, EntitlementValue, MarketplaceAws, NotificationQueue, QueueMessage } from './aws.types.js';
import { fetchAllEntitlements } from './entitlements.fetch.js';
import { AwsCallError, type AwsFailureKind } from './marketplace.errors.js';

/**
 * The one module that knows the AWS SDK. It builds the official clients from the validated config and
 * hands the rest of the portal its own view of them: plain types (dates as Date, no SDK shapes) and
 * failures as AwsCallError with a kind of ours, so that the Marketplace rules decide on the portal's
 * terms and stay pure. Everything else is the SDK's own standard resolution: credentials from its default
 * chain (environment, shared files, SSO, container or instance roles), retries (AWS_MAX_ATTEMPTS,
 * AWS_RETRY_MODE), and, without AWS_ENDPOINT_URL, its endpoint rules (including service-specific
 * AWS_ENDPOINT_URL_* variables).
 */
/** GetEntitlements is offered in us-east-1 only (for commercial AWS), whatever AWS_REGION says. */
const ENTITLEMENT_REGION = 'us-east-1';

/** Timeouts so a buyer's page never hangs on an unreachable endpoint (the SDK has none by default). */
const requestHandler = { connectionTimeout: 3_000, requestTimeout: 10_000 };

export function createMarketplaceAws(config: Pick<Config, 'awsRegion' | 'awsEndpointUrl'>): MarketplaceAws {
  const shared = {
    requestHandler,
    ...endpointSettings(config.awsEndpointUrl),
  };
  // Built on first use: CLI commands and pages that never call AWS pay nothing for them (and the SDK's
  // start-up checks, such as its Node version notice, run only where AWS is used).
  let metering: MarketplaceMeteringClient | undefined;
  let entitlements: MarketplaceEntitlementServiceClient | undefined;
  const meteringClient = () => (metering ??= new MarketplaceMeteringClient({ ...shared, region: config.awsRegion }));
  const entitlementClient = () => (entitlements ??= new MarketplaceEntitlementServiceClient({ ...shared, region: ENTITLEMENT_REGION }));

  async function entitlementPage(productCode: string, filter: EntitlementFilter, nextToken: string | undefined): Promise<EntitlementPage> {
    const Filter: Partial<Record<GetEntitlementFilterName, string[]>> = 'awsAccountId' in filter ? { CUSTOMER_AWS_ACCOUNT_ID: [filter.awsAccountId] } : { CUSTOMER_IDENTIFIER: [filter.customerIdentifier] };
    const result = await call(() => entitlementClient().send(new GetEntitlementsCommand({ ProductCode: productCode, Filter, ...(nextToken === undefined ? {} : { NextToken: nextToken }) })));
    return { entitlements: (result.Entitlements ?? []).map(entitlementFromSdk), ...(result.NextToken === undefined ? {} : { nextToken: result.NextToken }) };
  }

  return {
    async resolveCustomer(registrationToken) {
      const result = await call(() => meteringClient().send(new ResolveCustomerCommand({ RegistrationToken: registrationToken })));
      return { productCode: result.ProductCode, awsAccountId: result.CustomerAWSAccountId, licenceArn: result.LicenseArn, customerIdentifier: result.CustomerIdentifier };
    },
    entitlements: (productCode, filter) => fetchAllEntitlements(entitlementPage, productCode, filter),
    destroy() {
      metering?.destroy();
      entitlements?.destroy();
    },
  };
}

/** The SDK's entitlement in the portal's terms: the value AWS set, looked for in the model's order. */
export function entitlementFromSdk(e: SdkEntitlement): Entitlement {
  const v = e.Value;
  const value: EntitlementValue | undefined =
    v?.IntegerValue !== undefined
      ? { kind: 'integer', value: v.IntegerValue }
      : v?.DoubleValue !== undefined
        ? { kind: 'double', value: v.DoubleValue }
        : v?.BooleanValue !== undefined
          ? { kind: 'boolean', value: v.BooleanValue }
          : v?.StringValue !== undefined
            ? { kind: 'string', value: v.StringValue }
            : undefined;
  return { productCode: e.ProductCode, dimension: e.Dimension, customerIdentifier: e.CustomerIdentifier, awsAccountId: e.CustomerAWSAccountId, licenceArn: e.LicenseArn, value, expiresAt: e.ExpirationDate };
}

/** The Marketplace services' error names the portal tells apart; anything else (5xx, network, credentials) is "unavailable". */
const FAILURE_KINDS = new Map<string, AwsFailureKind>([
  ['InvalidTokenException', 'invalid_token'],
  ['ExpiredTokenException', 'expired_token'],
  ['ThrottlingException', 'throttled'],
  ['DisabledApiException', 'disabled'],
]);

/** Runs one SDK call; its failure (service exception, throttling, network, credentials) becomes an AwsCallError. */
async function call<T>(send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if (!(error instanceof Error)) throw new AwsCallError('unavailable', 'unknown', undefined, { cause: error });
    throw new AwsCallError(FAILURE_KINDS.get(error.name) ?? 'unavailable', error.name, error.message, { cause: error });
  }
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
 * The notification queue at `queueUrl`: the region from AWS_REGION, credentials from the SDK's default
 * chain. Its request timeout outlasts a 20-second long poll.
 */
export function createNotificationQueue(config: Pick<Config, 'awsRegion' | 'awsEndpointUrl'>, queueUrl: string): NotificationQueue {
  const sqs = new SQSClient({ region: config.awsRegion, requestHandler: { connectionTimeout: 3_000, requestTimeout: 35_000 }, ...endpointSettings(config.awsEndpointUrl) });
  return {
    url: queueUrl,
    async receive({ maxMessages, waitTimeSeconds, visibilityTimeoutSeconds, signal }) {
      const response = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: maxMessages,
          WaitTimeSeconds: waitTimeSeconds,
          MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
          ...(visibilityTimeoutSeconds === undefined ? {} : { VisibilityTimeout: visibilityTimeoutSeconds }),
        }),
        signal === undefined ? {} : { abortSignal: signal },
      );
      return (response.Messages ?? []).map(queueMessageFromSdk);
    },
    async delete(receiptHandle) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }));
    },
    async changeVisibility(receiptHandle, visibilityTimeoutSeconds) {
      await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: visibilityTimeoutSeconds }));
    },
    destroy: () => sqs.destroy(),
  };
}

function queueMessageFromSdk(message: Message): QueueMessage {
  const sent = Number(message.Attributes?.SentTimestamp);
  const receiveCount = Number(message.Attributes?.ApproximateReceiveCount);
  return {
    receiptHandle: message.ReceiptHandle,
    messageId: message.MessageId,
    body: message.Body,
    sentAt: Number.isFinite(sent) ? new Date(sent) : undefined,
    receiveCount: Number.isFinite(receiveCount) ? receiveCount : undefined,
  };
}
