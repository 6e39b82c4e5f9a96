import type { Entitlement, EntitlementFilter, EntitlementPage } from './aws.types.js';
import { AwsCallError } from './marketplace.errors.js';

/** A guard against a service that never stops handing out NextTokens; far beyond any real account. */
const MAX_PAGES = 200;

/** One GetEntitlements call (aws-clients.ts, or a test double). */
export type EntitlementPageReader = (productCode: string, filter: EntitlementFilter, nextToken: string | undefined) => Promise<EntitlementPage>;

/** GetEntitlements kept handing out NextTokens past MAX_PAGES: to the portal, AWS is not answering usefully. */
export class TooManyEntitlementPagesError extends AwsCallError {
  constructor() {
    const message = `GetEntitlements returned a NextToken on more than ${MAX_PAGES} pages`;
    super('unavailable', 'TooManyEntitlementPagesError', message);
    this.name = 'TooManyEntitlementPagesError';
  }
}

/**
 * Every entitlement for the product and filter, all pages: a page may be empty and still carry a NextToken,
 * and an empty NextToken means there are no more. A page's failure is thrown as it comes; callers decide what it means.
 */
export async function fetchAllEntitlements(readPage: EntitlementPageReader, productCode: string, filter: EntitlementFilter): Promise<Entitlement[]> {
  const all: Entitlement[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const result = await readPage(productCode, filter, nextToken);
    all.push(...result.entitlements);
    nextToken = result.nextToken === '' ? undefined : result.nextToken;
    if (nextToken === undefined) return all;
  }
  throw new TooManyEntitlementPagesError();
}
