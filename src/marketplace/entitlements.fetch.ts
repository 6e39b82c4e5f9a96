import { GetEntitlementsCommand, type Entitlement, type GetEntitlementFilterName, type GetEntitlementsCommandOutput } from '@aws-sdk/client-marketplace-entitlement-service';

/** A guard against a service that never stops handing out NextTokens; far beyond any real account. */
const MAX_PAGES = 200;

/** What paging needs of the entitlement client (the SDK's MarketplaceEntitlementServiceClient, or a test double). */
export interface EntitlementSender {
  send(command: GetEntitlementsCommand): Promise<GetEntitlementsCommandOutput>;
}

export type EntitlementFilter = Partial<Record<GetEntitlementFilterName, string[]>>;

/** GetEntitlements kept handing out NextTokens past MAX_PAGES. */
export class TooManyEntitlementPagesError extends Error {
  constructor() {
    super(`GetEntitlements returned a NextToken on more than ${MAX_PAGES} pages`);
    this.name = 'TooManyEntitlementPagesError';
  }
}

/**
 * Every entitlement for the product and filter, all pages: a page may be empty and still carry a NextToken,
 * and an empty NextToken means there are no more. AWS errors are thrown as they come; callers decide what they mean.
 */
export async function fetchAllEntitlements(client: EntitlementSender, productCode: string, filter: EntitlementFilter): Promise<Entitlement[]> {
  const all: Entitlement[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const result = await client.send(new GetEntitlementsCommand({ ProductCode: productCode, Filter: filter, ...(nextToken === undefined ? {} : { NextToken: nextToken }) }));
    all.push(...(result.Entitlements ?? []));
    nextToken = result.NextToken === '' ? undefined : result.NextToken;
    if (nextToken === undefined) return all;
  }
  throw new TooManyEntitlementPagesError();
}
