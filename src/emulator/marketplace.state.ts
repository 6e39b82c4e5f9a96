/**
 * In-memory Marketplace state: subscriptions (one per agreement, keyed by licence ARN, as one AWS account may
 * hold several) and the registration tokens that the buyer's browser carries to the fulfillment URL.
 * Entitlements derive from the subscriptions.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { normaliseAccountId } from '../core/account-id.js';

export type SubscriptionStatus = 'active' | 'unsubscribe-pending' | 'unsubscribed' | 'failed';

export interface Subscription {
  licenseArn: string;
  productCode: string;
  awsAccountId: string;
  /** Always assigned (SNS messages carry it); ResolveCustomer returns it only for a legacy listing. */
  customerIdentifier: string;
  legacyListing: boolean;
  dimension: string;
  quantity: number;
  expiresAt: Date | null;
  status: SubscriptionStatus;
  freeTrial: boolean;
  agreementId: string;
  offerId: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewSubscription {
  awsAccountId: string;
  dimension: string;
  quantity: number;
  expiresAt?: Date | null;
  productCode?: string;
  legacyListing?: boolean;
  freeTrial?: boolean;
}

export interface RegistrationToken {
  token: string;
  licenseArn: string;
  issuedAt: Date;
  expiresAt: Date;
}

/** AWS: a registration token can be redeemed for 4 hours (aws-protocols.md §1). */
export const TOKEN_LIFETIME_MS = 4 * 3_600_000;

export type FieldErrors = Record<string, string>;
export type Validated<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const randomFrom = (alphabet: string, length: number) => Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');

const DIMENSION = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const PRODUCT_CODE = /^[-a-zA-Z0-9/=:_.@]{1,255}$/;

/** A form or JSON field as trimmed text: a number is written out; anything else (absent, null, an object) is empty. */
export function fieldText(value: unknown): string {
  return typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
}

/** An end date given as a day (YYYY-MM-DD, taken as midnight UTC) or an ISO 8601 time; undefined if it is neither. */
export function parseEndDate(text: string): Date | undefined {
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Checks a new subscription from a form or JSON (strings or typed values); every problem is reported by field. */
export function validateNewSubscription(raw: Record<string, unknown>, now: Date): Validated<NewSubscription> {
  const errors: FieldErrors = {};
  const normalised = normaliseAccountId(fieldText(raw.awsAccountId));
  const accountId = normalised.ok ? normalised.accountId : undefined;
  if (accountId === undefined) errors.awsAccountId = 'Enter a 12-digit AWS account ID, for example 1234-5678-9012.';
  const dimension = fieldText(raw.dimension);
  if (!DIMENSION.test(dimension)) errors.dimension = 'Choose a plan (dimension): letters, digits, dots, dashes or underscores.';
  const quantityText = fieldText(raw.quantity === undefined || raw.quantity === '' ? '1' : raw.quantity);
  const quantity = Number(quantityText);
  if (!/^\d+$/.test(quantityText) || quantity < 1 || quantity > 1_000_000) errors.quantity = 'Enter a whole number of units from 1 to 1000000.';
  let expiresAt: Date | null = null;
  const expiry = fieldText(raw.expiresAt);
  if (expiry !== '') {
    const parsed = parseEndDate(expiry);
    if (parsed === undefined) errors.expiresAt = 'Enter the end date as YYYY-MM-DD or an ISO 8601 time.';
    else expiresAt = parsed;
  } else if (raw.durationMonths !== undefined && fieldText(raw.durationMonths) !== '' && fieldText(raw.durationMonths) !== '0') {
    const months = Number(fieldText(raw.durationMonths));
    if (!Number.isInteger(months) || months < 1 || months > 60) errors.durationMonths = 'Choose a contract duration from 1 to 60 months.';
    else {
      expiresAt = new Date(now);
      expiresAt.setUTCMonth(expiresAt.getUTCMonth() + months);
    }
  }
  const productCode = fieldText(raw.productCode);
  if (productCode !== '' && !PRODUCT_CODE.test(productCode)) errors.productCode = 'A product code is up to 255 letters, digits and -/=:_.@';
  const flag = (v: unknown) => v === true || v === 'true' || v === 'on' || v === '1';
  if (Object.keys(errors).length > 0 || accountId === undefined) return { ok: false, errors };
  return {
    ok: true,
    value: {
      awsAccountId: accountId,
      dimension,
      quantity,
      expiresAt,
      ...(productCode === '' ? {} : { productCode }),
      legacyListing: flag(raw.legacyListing),
      freeTrial: flag(raw.freeTrial),
    },
  };
}

export interface MarketplaceOptions {
  clock: Clock;
  productCode: string;
  /** The account that appears in licence ARNs and owns the queue. */
  sellerAccountId: string;
}

export type Marketplace = ReturnType<typeof createMarketplace>;

export function createMarketplace(options: MarketplaceOptions) {
  const { clock, sellerAccountId } = options;
  // In creation order: GetEntitlements pages through this list.
  const subscriptions: Subscription[] = [];
  const tokens = new Map<string, RegistrationToken>();
  const productIds = new Map<string, string>();

  function issueToken(subscription: Subscription): RegistrationToken {
    // Real tokens are long opaque base64 strings (with + / =): the portal must form-decode them correctly.
    const token = randomBytes(96).toString('base64');
    const issuedAt = clock.now();
    const record = { token, licenseArn: subscription.licenseArn, issuedAt, expiresAt: new Date(issuedAt.getTime() + TOKEN_LIFETIME_MS) };
    tokens.set(token, record);
    return record;
  }

  function find(reference: string): Subscription | undefined {
    const id = /(l-[0-9a-f]{32})$/.exec(reference)?.[1];
    return id === undefined ? undefined : subscriptions.find((s) => s.licenseArn.endsWith(`:license:${id}`));
  }

  return {
    productCode: options.productCode,
    sellerAccountId,

    create(input: NewSubscription): { subscription: Subscription; token: RegistrationToken } {
      const now = clock.now();
      const subscription: Subscription = {
        licenseArn: `arn:aws:license-manager::${sellerAccountId}:license:l-${randomBytes(16).toString('hex')}`,
        productCode: input.productCode ?? options.productCode,
        awsAccountId: input.awsAccountId,
        customerIdentifier: randomFrom(ALNUM, 11),
        legacyListing: input.legacyListing ?? false,
        dimension: input.dimension,
        quantity: input.quantity,
        expiresAt: input.expiresAt ?? null,
        status: 'active',
        freeTrial: input.freeTrial ?? false,
        agreementId: `agmt-${randomFrom(LOWER_ALNUM, 25)}`,
        offerId: `offer-${randomFrom(LOWER_ALNUM, 13)}`,
        createdAt: now,
        updatedAt: now,
      };
      subscriptions.push(subscription);
      return { subscription, token: issueToken(subscription) };
    },

    find,
    issueToken,
    list: (): readonly Subscription[] => subscriptions,
    tokenRecord: (token: string) => tokens.get(token),

    update(subscription: Subscription, change: { quantity?: number; expiresAt?: Date | null; dimension?: string; status?: SubscriptionStatus }): Subscription {
      if (change.quantity !== undefined) subscription.quantity = change.quantity;
      if (change.expiresAt !== undefined) subscription.expiresAt = change.expiresAt;
      if (change.dimension !== undefined) subscription.dimension = change.dimension;
      if (change.status !== undefined) subscription.status = change.status;
      subscription.updatedAt = clock.now();
      return subscription;
    },

    /** Marketplace's product id (prod-…) for a product code, stable for the emulator's lifetime. */
    productId(productCode: string): string {
      let id = productIds.get(productCode);
      if (id === undefined) {
        id = `prod-${randomFrom(LOWER_ALNUM, 13)}`;
        productIds.set(productCode, id);
      }
      return id;
    },

    knowsProduct: (productCode: string) => productCode === options.productCode || subscriptions.some((s) => s.productCode === productCode),

    reset(): void {
      subscriptions.length = 0;
      tokens.clear();
    },
  };
}

/** A subscription grants entitlements until it is unsubscribed (or never succeeded). */
export function isEntitled(subscription: Subscription): boolean {
  return subscription.status === 'active' || subscription.status === 'unsubscribe-pending';
}
