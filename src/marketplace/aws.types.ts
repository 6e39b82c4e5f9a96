/**
 * The portal's own view of the AWS calls it makes: plain types (dates as Date, no SDK shapes). Only
 * aws-clients.ts builds them from the SDK; the Marketplace rules and tests work on these.
 */

export interface MarketplaceAws {
  /** ResolveCustomer: who a registration token belongs to, as AWS said it (unchecked: the landing checks it). */
  resolveCustomer(registrationToken: string): Promise<ResolvedCustomer>;
  /** GetEntitlements, every page. */
  entitlements(productCode: string, filter: EntitlementFilter): Promise<Entitlement[]>;
  destroy(): void;
}

/** What ResolveCustomer returned; any field may be missing (new integrations get no customer identifier). */
export interface ResolvedCustomer {
  productCode?: string;
  awsAccountId?: string;
  licenceArn?: string;
  customerIdentifier?: string;
}

/** One entitlement as AWS lists it; every field may be missing. */
export interface Entitlement {
  productCode?: string;
  dimension?: string;
  customerIdentifier?: string;
  awsAccountId?: string;
  /** The agreement's licence (newer responses only). */
  licenceArn?: string;
  value?: EntitlementValue;
  expiresAt?: Date;
}

/** AWS sets exactly one of the four; an entitlement without any has no value. */
export type EntitlementValue = { kind: 'integer'; value: number } | { kind: 'double'; value: number } | { kind: 'boolean'; value: boolean } | { kind: 'string'; value: string };

/** Whose entitlements: by AWS account, or by the legacy customer identifier (AWS refuses both at once). */
export type EntitlementFilter = { awsAccountId: string } | { customerIdentifier: string };

/** One GetEntitlements page (paging itself is entitlements.fetch.ts). */
export interface EntitlementPage {
  entitlements: Entitlement[];
  nextToken?: string;
}

/** One message received from the notification queue, in the portal's terms. */
export interface QueueMessage {
  /** Needed to delete it or change its visibility; a message without one cannot be settled. */
  receiptHandle?: string;
  messageId?: string;
  body?: string;
  sentAt?: Date;
  /** How many times SQS has handed it out, this time included. */
  receiveCount?: number;
}

/**
 * The SQS queue of Marketplace notifications. Its failures are the SDK's own errors: the worker decides
 * nothing by them, it logs them and backs off.
 */
export interface NotificationQueue {
  readonly url: string;
  receive(options: { maxMessages: number; waitTimeSeconds: number; visibilityTimeoutSeconds?: number; signal?: AbortSignal }): Promise<QueueMessage[]>;
  delete(receiptHandle: string): Promise<void>;
  changeVisibility(receiptHandle: string, visibilityTimeoutSeconds: number): Promise<void>;
  destroy(): void;
}
