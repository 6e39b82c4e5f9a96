/** AWSMarketplaceEntitlementService (awsJson1_1, target prefix AWSMPEntitlementService): GetEntitlements. */
import { createHash } from 'node:crypto';
import { AwsError, isRecord, optionalInteger, optionalString, requiredString, toEpochSeconds, type Input } from './aws-protocol.js';
import { isEntitled, type Marketplace, type Subscription } from './marketplace.state.js';

const FILTER_NAMES = ['CUSTOMER_AWS_ACCOUNT_ID', 'CUSTOMER_IDENTIFIER', 'DIMENSION', 'LICENSE_ARN'] as const;
type FilterName = (typeof FILTER_NAMES)[number];
export const MAX_RESULTS = 25;

const invalidParameter = (message: string) => new AwsError('InvalidParameterException', message);

function readFilter(input: Input): Partial<Record<FilterName, string[]>> {
  const raw = input.Filter;
  if (raw === undefined || raw === null) return {};
  if (!isRecord(raw)) throw invalidParameter('Filter must be a map of filter names to value lists.');
  const filter: Partial<Record<FilterName, string[]>> = {};
  for (const [name, values] of Object.entries(raw)) {
    if (!(FILTER_NAMES as readonly string[]).includes(name)) throw invalidParameter(`Unknown filter name ${name}; valid names: ${FILTER_NAMES.join(', ')}.`);
    if (!Array.isArray(values) || values.length === 0 || !values.every((v): v is string => typeof v === 'string' && v !== '')) {
      throw invalidParameter(`Filter ${name} needs a list of at least one non-empty value.`);
    }
    filter[name as FilterName] = values;
  }
  if (filter.CUSTOMER_IDENTIFIER !== undefined && filter.CUSTOMER_AWS_ACCOUNT_ID !== undefined) {
    throw invalidParameter('CUSTOMER_IDENTIFIER and CUSTOMER_AWS_ACCOUNT_ID filters cannot be used together.');
  }
  return filter;
}

/** OR within one filter's values, AND across filters. */
export function matchesFilter(subscription: Subscription, filter: Partial<Record<FilterName, string[]>>): boolean {
  const fieldOf: Record<FilterName, string> = {
    CUSTOMER_AWS_ACCOUNT_ID: subscription.awsAccountId,
    CUSTOMER_IDENTIFIER: subscription.customerIdentifier,
    DIMENSION: subscription.dimension,
    LICENSE_ARN: subscription.licenseArn,
  };
  return Object.entries(filter).every(([name, values]) => values.includes(fieldOf[name as FilterName]));
}

export function toEntitlement(subscription: Subscription) {
  return {
    ProductCode: subscription.productCode,
    Dimension: subscription.dimension,
    CustomerIdentifier: subscription.customerIdentifier,
    CustomerAWSAccountId: subscription.awsAccountId,
    LicenseArn: subscription.licenseArn,
    Value: { IntegerValue: subscription.quantity },
    ...(subscription.expiresAt === null ? {} : { ExpirationDate: toEpochSeconds(subscription.expiresAt) }),
  };
}

export function entitlementHandlers(deps: { marketplace: Marketplace }) {
  const { marketplace } = deps;

  /** The NextToken is opaque to clients: the scan position plus a fingerprint of the query it belongs to. */
  const fingerprint = (productCode: string, filter: object) => createHash('sha256').update(JSON.stringify([productCode, filter])).digest('base64url').slice(0, 16);

  function getEntitlements(input: Input) {
    const productCode = requiredString(input, 'ProductCode', invalidParameter);
    const filter = readFilter(input);
    const maxResults = optionalInteger(input, 'MaxResults', 1, MAX_RESULTS, invalidParameter) ?? MAX_RESULTS;
    if (!marketplace.knowsProduct(productCode)) throw invalidParameter(`Product code ${productCode} is not valid.`);
    const query = fingerprint(productCode, filter);
    let offset = 0;
    const nextToken = optionalString(input, 'NextToken', invalidParameter);
    if (nextToken !== undefined) {
      const [position, tokenQuery] = Buffer.from(nextToken, 'base64url').toString('utf8').split('|');
      offset = Number(position);
      if (tokenQuery !== query || !Number.isSafeInteger(offset) || offset < 0) throw invalidParameter('The NextToken is invalid or belongs to a different request.');
    }
    // Like the real service, a page is a window over the product's stored entitlements that is filtered
    // afterwards, so a page can be empty and still carry a NextToken.
    const all = marketplace.list().filter((s) => s.productCode === productCode);
    const window = all.slice(offset, offset + maxResults);
    const end = offset + window.length;
    return {
      Entitlements: window.filter((s) => isEntitled(s) && matchesFilter(s, filter)).map(toEntitlement),
      ...(end < all.length ? { NextToken: Buffer.from(`${end}|${query}`).toString('base64url') } : {}),
    };
  }

  return { GetEntitlements: getEntitlements };
}
