import { AppError } from '../core/errors.js';

/**
 * What went wrong in the Marketplace journey, as the buyer should hear it: a title, what happened and
 * what to do next. Each is an AppError (stable code, safe message) with a title for its page.
 */
export class MarketplaceError extends AppError {
  constructor(
    code: MarketplaceErrorCode,
    readonly title: string,
    message: string,
    status: number,
    /** Whether trying the same step again later can help (the provision page offers a retry button). */
    readonly retryable = false,
  ) {
    super(code, message, status);
    this.name = 'MarketplaceError';
  }
}

export type MarketplaceErrorCode =
  | 'marketplace_not_configured'
  | 'marketplace_token_missing'
  | 'marketplace_token_invalid'
  | 'marketplace_token_expired'
  | 'marketplace_throttled'
  | 'marketplace_disabled'
  | 'marketplace_unavailable'
  | 'marketplace_wrong_product'
  | 'marketplace_bad_customer'
  | 'marketplace_subscription_conflict'
  | 'marketplace_not_subscribed'
  | 'marketplace_contract_ended'
  | 'marketplace_licence_revoked'
  | 'marketplace_link_missing'
  | 'marketplace_link_invalid'
  | 'marketplace_link_expired'
  | 'marketplace_link_used'
  | 'marketplace_account_mismatch'
  | 'marketplace_subscription_not_found';

const AGAIN = 'go back to AWS Marketplace, open your WebStream subscription and choose “Set up your account” again.';
const SAFE = 'Your subscription itself is not affected.';

export const landingErrors = {
  notConfigured: () => new MarketplaceError('marketplace_not_configured', 'Marketplace sign-up is not available', `This portal is not set up to accept AWS Marketplace sign-ups yet. ${SAFE} Please contact WebStream support.`, 503),
  missingToken: () => new MarketplaceError('marketplace_token_missing', 'No subscription details arrived', `This address is where AWS Marketplace sends new subscribers, but no registration token came with the request. To set up your account, ${AGAIN}`, 400),
  invalidToken: () => new MarketplaceError('marketplace_token_invalid', 'This sign-up link is not valid', `AWS Marketplace did not recognise the registration token, so we could not confirm your subscription. To try again, ${AGAIN}`, 400),
  expiredToken: () => new MarketplaceError('marketplace_token_expired', 'This sign-up link has expired', `Registration tokens from AWS Marketplace are valid for a limited time and can be used once, and this one can no longer be used. ${SAFE} To get a fresh one, ${AGAIN}`, 400),
  wrongProduct: () => new MarketplaceError('marketplace_wrong_product', 'This subscription is for another product', 'The AWS Marketplace subscription you arrived with is not for WebStream, so it cannot be set up here. Check that you chose WebStream in AWS Marketplace; if you did, please contact WebStream support.', 400),
  badCustomer: () => new MarketplaceError('marketplace_bad_customer', 'We could not read your subscription', `AWS Marketplace sent subscription details we could not use (no valid 12-digit AWS account ID). Please ${AGAIN} If it happens again, contact WebStream support.`, 502),
  conflict: () => new MarketplaceError('marketplace_subscription_conflict', 'This subscription belongs to another account', 'AWS Marketplace reported this licence for a different AWS account than the one we have on record for it. Nothing was changed. Please contact WebStream support.', 409),
};

export const linkErrors = {
  missing: () => new MarketplaceError('marketplace_link_missing', 'No subscription to link', `Linking an AWS Marketplace subscription starts in AWS Marketplace. ${AGAIN.replace(/^go/, 'Go')} If you have already linked it, your licence is on My Entitlements.`, 400),
  invalid: () => new MarketplaceError('marketplace_link_invalid', 'This set-up link is not valid', `The link from AWS Marketplace to this portal was changed or damaged, so we cannot use it. ${SAFE} To start again, ${AGAIN}`, 400),
  expired: () => new MarketplaceError('marketplace_link_expired', 'This set-up link has expired', `For your security, a set-up link works for 15 minutes. ${SAFE} To get a new one, ${AGAIN}`, 400),
  used: () => new MarketplaceError('marketplace_link_used', 'This set-up link has already been used', `Each set-up link works once, and this one has already linked the subscription. If that was you, your licence is on My Entitlements. Otherwise, ${AGAIN}`, 400),
  mismatch: (subscriptionAccount: string, signedInAccount: string) =>
    new MarketplaceError('marketplace_account_mismatch', 'This subscription belongs to another AWS account', `You are signed in as AWS account ${signedInAccount}, but this AWS Marketplace subscription belongs to AWS account ${subscriptionAccount}. A subscription can only be linked to the portal account of the same AWS account ID. Sign out, then sign in or create a portal account with ${subscriptionAccount}.`, 403),
  subscriptionNotFound: () => new MarketplaceError('marketplace_subscription_not_found', 'Subscription not found', 'We could not find that AWS Marketplace subscription for your account. Your licences are on My Entitlements; to link a subscription, start from AWS Marketplace with “Set up your account”.', 404),
};

/** The kinds of AWS failure the portal tells apart (aws-clients.ts maps the SDK's errors to them). */
export type AwsFailureKind = 'invalid_token' | 'expired_token' | 'throttled' | 'disabled' | 'unavailable';

/** A call to AWS that failed: a kind of ours to decide on, and what AWS said (its error name and message) for logs. */
export class AwsCallError extends Error {
  constructor(
    readonly kind: AwsFailureKind,
    /** The SDK's error name (e.g. ThrottlingException, TimeoutError), or the portal's own for a failure it found. */
    readonly awsName: string,
    readonly awsMessage: string | undefined,
    options?: { cause: unknown },
  ) {
    super(awsMessage ?? awsName, options);
    this.name = 'AwsCallError';
  }

  /** "Name: message", as stored with a notification that will be tried again. */
  get detail(): string {
    return this.awsMessage === undefined ? String(this.cause) : `${this.awsName}: ${this.awsMessage}`;
  }
}

/** What is logged of an AWS failure: its name and message only (never a token or a request). */
export function awsErrorFields(error: unknown): { awsError: string; awsMessage: string | undefined } {
  if (error instanceof AwsCallError) return { awsError: error.awsName, awsMessage: error.awsMessage };
  return { awsError: error instanceof Error ? error.name : 'unknown', awsMessage: error instanceof Error ? error.message : undefined };
}

/** Maps an AWS failure (service exception, throttling, network, credentials) to the buyer's page. */
export function awsProblem(error: unknown, during: 'landing' | 'provisioning'): MarketplaceError {
  const kind: AwsFailureKind = error instanceof AwsCallError ? error.kind : 'unavailable';
  const retryHint = during === 'landing' ? `wait a minute, then ${AGAIN}` : 'wait a minute, then try again.';
  switch (kind) {
    case 'invalid_token':
      return landingErrors.invalidToken();
    case 'expired_token':
      return landingErrors.expiredToken();
    case 'throttled':
      return new MarketplaceError('marketplace_throttled', 'AWS Marketplace is busy', `AWS Marketplace asked us to slow down, so we could not ${during === 'landing' ? 'confirm' : 'read'} your subscription just now. ${SAFE} Please ${retryHint}`, 503, true);
    case 'disabled':
      return new MarketplaceError('marketplace_disabled', 'AWS Marketplace is not available', `The AWS Marketplace service we use to confirm subscriptions is switched off for us at the moment. ${SAFE} Please try again later, or contact WebStream support if this lasts.`, 503, true);
    case 'unavailable':
      return new MarketplaceError('marketplace_unavailable', 'AWS Marketplace is not answering', `We could not reach AWS Marketplace to ${during === 'landing' ? 'confirm' : 'read'} your subscription. ${SAFE} Please ${retryHint}`, 503, true);
  }
}
