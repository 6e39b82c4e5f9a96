/**
 * From an SQS message body (or an SNS HTTPS post) to one normalised Marketplace notification. Pure.
 *
 * Understood (aws-protocols.md §5): SNS envelopes (Type Notification, `Message` a JSON string) from the
 * subscription topic (subscribe-success, subscribe-fail, unsubscribe-pending, unsubscribe-success) and the
 * entitlement topic (entitlement-updated), with kebab-case or CamelCase keys; the same message delivered raw
 * (SNS raw message delivery: no envelope, so the SQS message id and time stand in); and EventBridge events
 * from aws.agreement-marketplace. Anything else is "unprocessable", with the reason and whatever could be read.
 */

export const NOTIFICATION_KINDS = [
  'subscribe-success',
  'subscribe-fail',
  'unsubscribe-pending',
  'unsubscribe-success',
  'entitlement-updated',
  'agreement-created',
  'agreement-amended',
  'agreement-ended',
  'license-updated',
  'license-deprovisioned',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** What a notification does to the subscription: the lifecycle meaning shared by its SNS and EventBridge forms. */
export type NotificationEffect = 'activate' | 'fail' | 'ending' | 'end' | 'update';

const EFFECT_OF: Record<NotificationKind, NotificationEffect> = {
  'subscribe-success': 'activate',
  'agreement-created': 'activate',
  'subscribe-fail': 'fail',
  'unsubscribe-pending': 'ending',
  'unsubscribe-success': 'end',
  'agreement-ended': 'end',
  'license-deprovisioned': 'end',
  'entitlement-updated': 'update',
  'agreement-amended': 'update',
  'license-updated': 'update',
};

export interface MarketplaceNotification {
  format: 'sns' | 'sns-raw' | 'eventbridge';
  /** The idempotency key: SNS MessageId, EventBridge id (or, for a raw SNS message, the SQS message id). */
  messageId: string;
  kind: NotificationKind;
  effect: NotificationEffect;
  /** The action or detail-type exactly as sent. */
  action: string;
  /** When AWS sent it (SNS Timestamp, EventBridge time): orders notifications that arrive out of order. */
  at: Date;
  productCode: string | undefined;
  customerIdentifier: string | undefined;
  awsAccountId: string | undefined;
  /** Always with the leading "arn:" (EventBridge examples omit it). */
  licenceArn: string | undefined;
  /** The `l-<id>` part of the licence ARN, what matching uses. */
  licenceId: string | undefined;
  agreementId: string | undefined;
  offerId: string | undefined;
  /** From `isFreeTrialTermPresent`, which AWS sends as the string "true" or "false". */
  freeTrial: boolean | undefined;
  /** The SNS topic (SNS envelopes only). */
  topicArn: string | undefined;
}

/** What could be read from a message that cannot be processed, so the stored row says as much as possible. */
export interface PartialNotification {
  messageId?: string;
  action?: string;
  at?: Date;
  productCode?: string;
  customerIdentifier?: string;
  awsAccountId?: string;
  licenceArn?: string;
}

export type ParsedNotification = { ok: true; notification: MarketplaceNotification } | { ok: false; reason: string; partial: PartialNotification };

/** Stand-ins for a raw SNS message (no envelope): the SQS message id and its sent time. */
export interface DeliveryFacts {
  messageId?: string;
  sentAt?: Date;
}

const SNS_KINDS: Record<string, NotificationKind> = {
  'subscribe-success': 'subscribe-success',
  'subscribe-fail': 'subscribe-fail',
  'unsubscribe-pending': 'unsubscribe-pending',
  'unsubscribe-success': 'unsubscribe-success',
  'entitlement-updated': 'entitlement-updated',
};

/** EventBridge detail-types, without the role suffix; the roles each may carry. */
const EVENT_KINDS: Record<string, { kind: NotificationKind; roles: readonly string[] }> = {
  'Purchase Agreement Created': { kind: 'agreement-created', roles: ['Manufacturer', 'Proposer'] },
  'Purchase Agreement Amended': { kind: 'agreement-amended', roles: ['Manufacturer', 'Proposer'] },
  'Purchase Agreement Ended': { kind: 'agreement-ended', roles: ['Manufacturer', 'Proposer'] },
  'License Updated': { kind: 'license-updated', roles: ['Manufacturer'] },
  'License Deprovisioned': { kind: 'license-deprovisioned', roles: ['Manufacturer'] },
};

const EVENTBRIDGE_SOURCE = 'aws.agreement-marketplace';
const MAX_ID_LENGTH = 300;
const PRODUCT_CODE = /^[-a-zA-Z0-9/=:_.@]{1,255}$/;
const ACCOUNT_ID = /^\d{12}$/;
const LICENCE_ID = /(?:^|[:/])(l-[0-9a-zA-Z]{1,64})$/;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

class Unprocessable extends Error {}
function refuse(reason: string): never {
  throw new Unprocessable(reason);
}

/** The first of these keys that is present; a present value must be a non-empty string. */
function field(source: Json, keys: readonly string[], label: string, max = 255): string | undefined {
  for (const key of keys) {
    if (!(key in source) || source[key] === null) continue;
    const value = source[key];
    if (typeof value !== 'string' || value.trim() === '' || value.length > max) return refuse(`${label} (${key}) must be a non-empty string of at most ${max} characters.`);
    return value.trim();
  }
  return undefined;
}

function time(value: unknown, label: string): Date {
  const date = typeof value === 'string' ? new Date(value) : new Date(NaN);
  if (Number.isNaN(date.getTime())) refuse(`${label} is missing or not a time.`);
  return date;
}

/** "arn:…:license:l-…" or the same without "arn:" (as in AWS's EventBridge example); the l-<id> part is what identifies it. */
export function normaliseLicenceArn(value: string): { arn: string; licenceId: string } | undefined {
  const arn = value.startsWith('arn:') ? value : `arn:${value}`;
  const licenceId = LICENCE_ID.exec(arn)?.[1];
  if (licenceId === undefined || !arn.includes(':license-manager:') || arn.length > 2048) return undefined;
  return { arn, licenceId };
}

function licence(value: string | undefined): { arn: string; licenceId: string } | undefined {
  if (value === undefined) return undefined;
  return normaliseLicenceArn(value) ?? refuse(`The licence ARN "${value.slice(0, 100)}" is not a License Manager licence ARN.`);
}

function accountId(value: string | undefined): string | undefined {
  if (value !== undefined && !ACCOUNT_ID.test(value)) refuse('The customer AWS account ID must be 12 digits.');
  return value;
}

function productCode(value: string | undefined): string | undefined {
  if (value !== undefined && !PRODUCT_CODE.test(value)) refuse('The product code has characters a product code cannot have.');
  return value;
}

function freeTrial(source: Json): boolean | undefined {
  const value = source.isFreeTrialTermPresent ?? source['is-free-trial-term-present'] ?? source.IsFreeTrialTermPresent;
  if (value === undefined || value === null) return undefined;
  if (value === 'true' || value === true) return true;
  if (value === 'false' || value === false) return false;
  return refuse('isFreeTrialTermPresent must be "true" or "false".');
}

/** The Marketplace message inside an SNS envelope (or delivered raw). */
function snsMessage(message: Json, envelope: { messageId: string; at: Date; topicArn: string | undefined; format: 'sns' | 'sns-raw' }, partial: PartialNotification): MarketplaceNotification {
  const action = field(message, ['action', 'Action'], 'The action', 200);
  if (action !== undefined) partial.action = action;
  const customerIdentifier = field(message, ['customer-identifier', 'CustomerIdentifier', 'customerIdentifier'], 'The customer identifier');
  if (customerIdentifier !== undefined) partial.customerIdentifier = customerIdentifier;
  const code = productCode(field(message, ['product-code', 'ProductCode', 'productCode'], 'The product code'));
  if (code !== undefined) partial.productCode = code;
  const account = accountId(field(message, ['customer-aws-account-id', 'CustomerAWSAccountId', 'customerAWSAccountId', 'customerAwsAccountId'], 'The customer AWS account ID'));
  if (account !== undefined) partial.awsAccountId = account;
  const licenceArn = licence(field(message, ['licence-arn', 'license-arn', 'LicenseArn', 'LicenceArn', 'licenseArn'], 'The licence ARN', 2048));
  if (licenceArn !== undefined) partial.licenceArn = licenceArn.arn;

  if (action === undefined) return refuse('The message has no action.');
  const kind = SNS_KINDS[action] ?? refuse(`Unknown action "${action.slice(0, 100)}".`);
  if (code === undefined) refuse('The message has no product code.');
  if (customerIdentifier === undefined && account === undefined && licenceArn === undefined) refuse('The message names no customer (customer identifier, AWS account ID or licence ARN).');
  return {
    format: envelope.format,
    messageId: envelope.messageId,
    kind,
    effect: EFFECT_OF[kind],
    action,
    at: envelope.at,
    productCode: code,
    customerIdentifier,
    awsAccountId: account,
    licenceArn: licenceArn?.arn,
    licenceId: licenceArn?.licenceId,
    agreementId: undefined,
    offerId: field(message, ['offer-identifier', 'OfferIdentifier', 'offerIdentifier'], 'The offer identifier'),
    freeTrial: freeTrial(message),
    topicArn: envelope.topicArn,
  };
}

function snsEnvelope(envelope: Json, partial: PartialNotification): MarketplaceNotification {
  const messageId = field(envelope, ['MessageId'], 'MessageId', MAX_ID_LENGTH) ?? refuse('The SNS envelope has no MessageId.');
  partial.messageId = messageId;
  const type = field(envelope, ['Type'], 'Type');
  if (type !== 'Notification') refuse(`An SNS ${type ?? 'message'} is not a notification (subscription confirmations are handled by the HTTPS endpoint or the SNS console).`);
  const at = time(envelope.Timestamp, 'The SNS Timestamp');
  partial.at = at;
  const topicArn = field(envelope, ['TopicArn'], 'TopicArn', 1024);
  if (typeof envelope.Message !== 'string') return refuse('The SNS Message is not a string.');
  let message: unknown;
  try {
    message = JSON.parse(envelope.Message);
  } catch {
    return refuse('The SNS Message is not JSON.');
  }
  if (!isObject(message)) return refuse('The SNS Message is not a JSON object.');
  return snsMessage(message, { messageId, at, topicArn, format: 'sns' }, partial);
}

function eventBridgeEvent(event: Json, partial: PartialNotification): MarketplaceNotification {
  const messageId = field(event, ['id'], 'The event id', MAX_ID_LENGTH) ?? refuse('The event has no id.');
  partial.messageId = messageId;
  const detailType = field(event, ['detail-type'], 'The detail-type', 200) ?? refuse('The event has no detail-type.');
  partial.action = detailType;
  const at = time(event.time, 'The event time');
  partial.at = at;
  if (event.source !== EVENTBRIDGE_SOURCE) refuse(`Events from "${String(event.source).slice(0, 100)}" are not AWS Marketplace agreement events.`);
  const [name = '', role = ''] = detailType.split(' - ');
  const known = EVENT_KINDS[name];
  if (known === undefined || !known.roles.includes(role)) refuse(`Unknown detail-type "${detailType}".`);
  const detail = isObject(event.detail) ? event.detail : refuse('The event has no detail.');
  const part = (key: string): Json => (isObject(detail[key]) ? detail[key] : {});
  const account = accountId(field(part('acceptor'), ['accountId'], 'detail.acceptor.accountId'));
  if (account !== undefined) partial.awsAccountId = account;
  const code = productCode(field(part('product'), ['code'], 'detail.product.code'));
  if (code !== undefined) partial.productCode = code;
  const licenceArn = licence(field(part('license'), ['arn'], 'detail.license.arn', 2048));
  if (licenceArn !== undefined) partial.licenceArn = licenceArn.arn;
  if (licenceArn === undefined && (account === undefined || code === undefined)) refuse('The event names neither a licence ARN nor the buyer account and product.');
  const { kind } = known;
  return {
    format: 'eventbridge',
    messageId,
    kind,
    effect: EFFECT_OF[kind],
    action: detailType,
    at,
    productCode: code,
    customerIdentifier: undefined,
    awsAccountId: account,
    licenceArn: licenceArn?.arn,
    licenceId: licenceArn?.licenceId,
    agreementId: field(part('agreement'), ['id'], 'detail.agreement.id'),
    offerId: field(part('offer'), ['id'], 'detail.offer.id'),
    freeTrial: undefined,
    topicArn: undefined,
  };
}

/** Parses an SQS message body (SNS envelope, raw SNS message or EventBridge event). */
export function parseNotification(body: string, delivery: DeliveryFacts = {}): ParsedNotification {
  const partial: PartialNotification = {};
  try {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return refuse('The message body is not JSON.');
    }
    if (!isObject(json)) return refuse('The message body is not a JSON object.');
    if ('Type' in json) return { ok: true, notification: snsEnvelope(json, partial) };
    if ('detail-type' in json || 'source' in json) return { ok: true, notification: eventBridgeEvent(json, partial) };
    if ('action' in json || 'Action' in json) {
      // SNS raw message delivery: the Marketplace message itself, so the delivery's id and time stand in.
      if (delivery.messageId === undefined || delivery.sentAt === undefined) return refuse('A raw SNS message needs the delivery id and time.');
      partial.messageId = delivery.messageId;
      partial.at = delivery.sentAt;
      return { ok: true, notification: snsMessage(json, { messageId: delivery.messageId, at: delivery.sentAt, topicArn: undefined, format: 'sns-raw' }, partial) };
    }
    return refuse('Not an SNS notification or an EventBridge event.');
  } catch (error) {
    if (error instanceof Unprocessable) return { ok: false, reason: error.message, partial };
    throw error;
  }
}

/** The two SNS topics AWS Marketplace publishes for a product (us-east-1, in the Marketplace's own account). */
export const MARKETPLACE_TOPIC_ACCOUNT = '287250355862';
export function marketplaceTopicArns(productCode: string): readonly string[] {
  return (['subscription', 'entitlement'] as const).map((kind) => `arn:aws:sns:us-east-1:${MARKETPLACE_TOPIC_ACCOUNT}:aws-mp-${kind}-notification-${productCode}`);
}
