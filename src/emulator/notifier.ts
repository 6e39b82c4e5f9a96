/**
 * Delivers Marketplace notifications: every SNS envelope and EventBridge event goes to the notification queue
 * (as an SNS→SQS subscription and an EventBridge rule with an SQS target would), and signed SNS envelopes also
 * go over HTTP to an endpoint subscribed to the topics, once it has confirmed the subscription (GET SubscribeURL).
 * Each recipient's envelope carries its own UnsubscribeURL; a GET on it ends that subscription (the queue's too, until a reset).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { Marketplace, Subscription } from './marketplace.state.js';
import { eventBridgeEvent, isSnsAction, snsNotification, STATUS_AFTER, topicArn, unsubscribeUrl, type NotificationAction } from './notifications.js';
import type { SnsEnvelope, SnsSigner, UnsignedSnsEnvelope } from './sns.signer.js';
import type { Queue, SqsQueues } from './sqs.queues.js';

export interface HttpSubscription {
  topicArn: string;
  endpoint: string;
  subscriptionArn: string;
  token: string;
  status: 'pending-confirmation' | 'confirmed' | 'unsubscribed';
}

/** The notification queue's subscription to one topic (SNS→SQS): made on the topic's first message. */
export interface QueueSubscription {
  topicArn: string;
  subscriptionArn: string;
  status: 'confirmed' | 'unsubscribed';
}

export interface Delivery {
  at: string;
  action: string;
  licenseArn: string | undefined;
  target: string;
  outcome: string;
}

export interface SentNotification {
  action: NotificationAction;
  format: 'sns' | 'eventbridge';
  /** Undefined when the queue has unsubscribed from the SNS topic. */
  sqsMessageId: string | undefined;
  /** The message as the queue gets (or would get) it. */
  body: string;
  deliveries: Delivery[];
}

export interface NotifierDeps {
  clock: Clock;
  marketplace: Marketplace;
  queues: SqsQueues;
  queue: () => Queue;
  signer: () => SnsSigner;
  /** Base URL for SubscribeURL / UnsubscribeURL (the https listener when there is one). */
  snsBaseUrl: () => string;
  log: (line: string) => void;
}

export type Notifier = ReturnType<typeof createNotifier>;

export function createNotifier(deps: NotifierDeps) {
  const httpSubscriptions: HttpSubscription[] = [];
  const queueSubscriptions = new Map<string, QueueSubscription>();
  const deliveries: Delivery[] = [];

  function record(delivery: Omit<Delivery, 'at'>): Delivery {
    const entry = { at: deps.clock.now().toISOString(), ...delivery };
    deliveries.unshift(entry);
    deliveries.length = Math.min(deliveries.length, 100);
    deps.log(`notification ${entry.action} → ${entry.target}: ${entry.outcome}`);
    return entry;
  }

  async function post(subscription: HttpSubscription, envelope: SnsEnvelope): Promise<string> {
    try {
      const response = await fetch(subscription.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'text/plain; charset=UTF-8',
          'user-agent': 'Amazon Simple Notification Service Agent',
          'x-amz-sns-message-type': envelope.Type,
          'x-amz-sns-message-id': envelope.MessageId,
          'x-amz-sns-topic-arn': envelope.TopicArn,
          ...(envelope.Type === 'Notification' ? { 'x-amz-sns-subscription-arn': subscription.subscriptionArn } : {}),
        },
        body: JSON.stringify(envelope),
        signal: AbortSignal.timeout(15_000),
      });
      await response.arrayBuffer();
      return `HTTP ${response.status}`;
    } catch (error) {
      return `failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  /** Subscribes an HTTP(S) endpoint to a topic: SNS first posts a SubscriptionConfirmation and waits for a GET of SubscribeURL. */
  async function subscribeEndpoint(topic: string, endpoint: string): Promise<HttpSubscription> {
    const subscription: HttpSubscription = {
      topicArn: topic,
      endpoint,
      subscriptionArn: `${topic}:${randomUUID()}`,
      token: randomBytes(64).toString('hex'),
      status: 'pending-confirmation',
    };
    httpSubscriptions.push(subscription);
    const base = deps.snsBaseUrl();
    const unsigned: UnsignedSnsEnvelope = {
      Type: 'SubscriptionConfirmation',
      MessageId: randomUUID(),
      Token: subscription.token,
      TopicArn: topic,
      Message: `You have chosen to subscribe to the topic ${topic}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
      SubscribeURL: `${base}/sns/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(topic)}&Token=${subscription.token}`,
      Timestamp: deps.clock.now().toISOString(),
    };
    const outcome = await post(subscription, deps.signer().sign(unsigned));
    record({ action: 'SubscriptionConfirmation', licenseArn: undefined, target: `${endpoint} (${topic})`, outcome });
    return subscription;
  }

  function queueSubscriptionTo(topic: string): QueueSubscription {
    let subscription = queueSubscriptions.get(topic);
    if (subscription === undefined) {
      subscription = { topicArn: topic, subscriptionArn: `${topic}:${randomUUID()}`, status: 'confirmed' };
      queueSubscriptions.set(topic, subscription);
    }
    return subscription;
  }

  async function send(subscription: Subscription, action: NotificationAction): Promise<SentNotification> {
    const status = STATUS_AFTER[action];
    if (status !== undefined) deps.marketplace.update(subscription, { status });
    const now = deps.clock.now();
    const queue = deps.queue();
    const sent: Delivery[] = [];
    let body: string;
    let toQueue = true;
    if (isSnsAction(action)) {
      const base = deps.snsBaseUrl();
      const unsigned = snsNotification(subscription, action, { now, unsubscribeBaseUrl: base });
      const envelopeFor = (subscriptionArn: string) => deps.signer().sign({ ...unsigned, UnsubscribeURL: unsubscribeUrl(base, subscriptionArn) });
      const queueSubscription = queueSubscriptionTo(unsigned.TopicArn);
      body = JSON.stringify(envelopeFor(queueSubscription.subscriptionArn));
      toQueue = queueSubscription.status === 'confirmed';
      for (const http of httpSubscriptions.filter((s) => s.topicArn === unsigned.TopicArn && s.status === 'confirmed')) {
        sent.push(record({ action, licenseArn: subscription.licenseArn, target: http.endpoint, outcome: await post(http, envelopeFor(http.subscriptionArn)) }));
      }
    } else {
      body = JSON.stringify(eventBridgeEvent(subscription, action, { now, sellerAccountId: deps.marketplace.sellerAccountId, productId: deps.marketplace.productId(subscription.productCode) }));
    }
    const message = toQueue ? deps.queues.send(queue, body) : undefined;
    if (message !== undefined) sent.unshift(record({ action, licenseArn: subscription.licenseArn, target: `SQS ${queue.name}`, outcome: `message ${message.messageId}` }));
    return { action, format: isSnsAction(action) ? 'sns' : 'eventbridge', sqsMessageId: message?.messageId, body, deliveries: sent };
  }

  return {
    send,
    subscribeEndpoint,
    /** Subscribes the endpoint to both Marketplace topics of a product. */
    subscribeEndpointToProduct: (endpoint: string, productCode: string) =>
      Promise.all([subscribeEndpoint(topicArn('subscription', productCode), endpoint), subscribeEndpoint(topicArn('entitlement', productCode), endpoint)]),
    confirm(topic: string, token: string): HttpSubscription | undefined {
      const subscription = httpSubscriptions.find((s) => s.topicArn === topic && s.token === token);
      if (subscription !== undefined && subscription.status !== 'unsubscribed') subscription.status = 'confirmed';
      return subscription;
    },
    /** Ends an HTTP endpoint's or the queue's subscription: nothing more from that topic reaches it. */
    unsubscribe(subscriptionArn: string): HttpSubscription | QueueSubscription | undefined {
      const subscription = [...httpSubscriptions, ...queueSubscriptions.values()].find((s) => s.subscriptionArn === subscriptionArn);
      if (subscription !== undefined) subscription.status = 'unsubscribed';
      return subscription;
    },
    httpSubscriptions: (): readonly HttpSubscription[] => httpSubscriptions,
    deliveries: (): readonly Delivery[] => deliveries,
    reset(): void {
      deliveries.length = 0;
      // Subscribes the queue to every topic again (the emulator has no Subscribe call for it).
      queueSubscriptions.clear();
    },
  };
}
