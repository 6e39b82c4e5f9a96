/**
 * What AWS Marketplace sends about a subscription (aws-protocols.md §5): SNS messages on the subscription and
 * entitlement topics, and the EventBridge agreement/licence events that replace them.
 */
import { randomUUID } from 'node:crypto';
import type { Subscription, SubscriptionStatus } from './marketplace.state.js';
import type { UnsignedSnsEnvelope } from './sns.signer.js';

export const SNS_ACTIONS = ['subscribe-success', 'subscribe-fail', 'unsubscribe-pending', 'unsubscribe-success', 'entitlement-updated'] as const;
export const EVENT_DETAIL_TYPES = [
  'Purchase Agreement Created - Manufacturer',
  'Purchase Agreement Amended - Manufacturer',
  'Purchase Agreement Ended - Manufacturer',
  'License Updated - Manufacturer',
  'License Deprovisioned - Manufacturer',
] as const;
export type SnsAction = (typeof SNS_ACTIONS)[number];
export type EventDetailType = (typeof EVENT_DETAIL_TYPES)[number];
export type NotificationAction = SnsAction | EventDetailType;
export const NOTIFICATION_ACTIONS: readonly NotificationAction[] = [...SNS_ACTIONS, ...EVENT_DETAIL_TYPES];

export const isSnsAction = (action: string): action is SnsAction => (SNS_ACTIONS as readonly string[]).includes(action);
export const isNotificationAction = (action: string): action is NotificationAction => (NOTIFICATION_ACTIONS as readonly string[]).includes(action);

/** The subscription's status once Marketplace sends this notification (the notification follows the change). */
export const STATUS_AFTER: Partial<Record<NotificationAction, SubscriptionStatus>> = {
  'subscribe-success': 'active',
  'subscribe-fail': 'failed',
  'unsubscribe-pending': 'unsubscribe-pending',
  'unsubscribe-success': 'unsubscribed',
  'Purchase Agreement Created - Manufacturer': 'active',
  'Purchase Agreement Ended - Manufacturer': 'unsubscribed',
  'License Deprovisioned - Manufacturer': 'unsubscribed',
};

/** How automatic notifications (a new subscription, a changed quantity or end date) are sent. */
export type NotificationStyle = 'sns' | 'eventbridge' | 'both' | 'none';

export function actionsFor(change: 'subscribed' | 'updated', style: NotificationStyle): NotificationAction[] {
  const sns: NotificationAction = change === 'subscribed' ? 'subscribe-success' : 'entitlement-updated';
  const event: NotificationAction = change === 'subscribed' ? 'Purchase Agreement Created - Manufacturer' : 'License Updated - Manufacturer';
  return { sns: [sns], eventbridge: [event], both: [sns, event], none: [] }[style];
}

/**
 * AWS Marketplace's topics live in us-east-1 in the Marketplace service account 287250355862 (the account seen
 * in sellers' published topic ARNs; the Seller Guide's examples use a placeholder account).
 */
export const MARKETPLACE_TOPIC_ACCOUNT = '287250355862';

export function topicArn(kind: 'subscription' | 'entitlement', productCode: string): string {
  return `arn:aws:sns:us-east-1:${MARKETPLACE_TOPIC_ACCOUNT}:aws-mp-${kind}-notification-${productCode}`;
}

/** The SNS `Message` for an action: `isFreeTrialTermPresent` is the string "true"/"false", as AWS sends it. */
export function snsMessageBody(subscription: Subscription, action: SnsAction): Record<string, string> {
  const common = { action, 'customer-identifier': subscription.customerIdentifier, 'product-code': subscription.productCode };
  if (action === 'entitlement-updated') return common;
  return {
    ...common,
    ...(action === 'subscribe-success' || action === 'subscribe-fail' ? { 'offer-identifier': subscription.offerId } : {}),
    isFreeTrialTermPresent: String(subscription.freeTrial),
  };
}

/** The link in each notification that ends the recipient's subscription (a GET, no credentials, as in SNS). */
export function unsubscribeUrl(baseUrl: string, subscriptionArn: string): string {
  return `${baseUrl}/sns/?Action=Unsubscribe&SubscriptionArn=${encodeURIComponent(subscriptionArn)}`;
}

/** Its UnsubscribeURL names a made-up subscription: the notifier puts in each recipient's own. */
export function snsNotification(subscription: Subscription, action: SnsAction, options: { now: Date; unsubscribeBaseUrl: string }): UnsignedSnsEnvelope {
  const topic = topicArn(action === 'entitlement-updated' ? 'entitlement' : 'subscription', subscription.productCode);
  return {
    Type: 'Notification',
    MessageId: randomUUID(),
    TopicArn: topic,
    Message: JSON.stringify(snsMessageBody(subscription, action)),
    Timestamp: options.now.toISOString(),
    UnsubscribeURL: unsubscribeUrl(options.unsubscribeBaseUrl, `${topic}:${randomUUID()}`),
  };
}

export interface EventBridgeEvent {
  version: '0';
  id: string;
  'detail-type': EventDetailType;
  source: 'aws.agreement-marketplace';
  account: string;
  time: string;
  region: 'us-east-1';
  resources: string[];
  detail: Record<string, unknown>;
}

/** An event as EventBridge delivers it to an SQS target: the whole event JSON is the message body. */
export function eventBridgeEvent(subscription: Subscription, detailType: EventDetailType, options: { now: Date; sellerAccountId: string; productId: string }): EventBridgeEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source: 'aws.agreement-marketplace',
    account: options.sellerAccountId,
    time: options.now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: 'us-east-1',
    resources: [`arn:aws:aws-marketplace::aws:agreement:${subscription.agreementId}`],
    detail: {
      requestId: randomUUID(),
      catalog: 'AWSMarketplace',
      agreement: { id: subscription.agreementId, ...(detailType === 'Purchase Agreement Created - Manufacturer' ? { intent: 'NEW' } : {}) },
      product: { code: subscription.productCode, id: options.productId },
      license: { arn: subscription.licenseArn },
      acceptor: { accountId: subscription.awsAccountId },
      proposer: { accountId: options.sellerAccountId },
      offer: { id: subscription.offerId },
    },
  };
}
