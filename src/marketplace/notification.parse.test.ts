import assert from 'node:assert/strict';
import { test } from 'node:test';
import { marketplaceTopicArns, normaliseLicenceArn, parseNotification, type MarketplaceNotification } from './notification.parse.js';

const LICENCE = 'arn:aws:license-manager::111122223333:license:l-0123456789abcdef0123456789abcdef';
const TOPIC = 'arn:aws:sns:us-east-1:287250355862:aws-mp-subscription-notification-prodcode1';

function sns(message: unknown, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    Type: 'Notification',
    MessageId: 'sns-message-1',
    TopicArn: TOPIC,
    Message: typeof message === 'string' ? message : JSON.stringify(message),
    Timestamp: '2026-03-01T10:00:00.123Z',
    SignatureVersion: '2',
    Signature: 'c2lnbmF0dXJl',
    SigningCertURL: 'https://sns.us-east-1.amazonaws.com/cert.pem',
    ...extra,
  });
}

function event(detailType: string, detail: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    version: '0',
    id: 'event-1',
    'detail-type': detailType,
    source: 'aws.agreement-marketplace',
    account: '999988887777',
    time: '2026-03-01T10:00:00Z',
    region: 'us-east-1',
    resources: ['arn:aws:aws-marketplace::aws:agreement:agmt-1'],
    detail,
    ...extra,
  });
}

const agreementDetail = (licenceArn = LICENCE) => ({
  requestId: 'r-1',
  catalog: 'AWSMarketplace',
  agreement: { id: 'agmt-1', intent: 'NEW' },
  product: { code: 'prodcode1', id: 'prod-1' },
  license: { arn: licenceArn },
  acceptor: { accountId: '123456789012' },
  proposer: { accountId: '999988887777' },
  offer: { id: 'offer-1' },
});

function parsed(body: string, delivery?: { messageId: string; sentAt: Date }): MarketplaceNotification {
  const result = parseNotification(body, delivery);
  assert.ok(result.ok, result.ok ? '' : result.reason);
  return result.notification;
}

function refused(body: string): { reason: string; partial: object } {
  const result = parseNotification(body);
  assert.ok(!result.ok, 'expected an unprocessable result');
  return result;
}

test('SNS subscription actions, kebab-case keys: kind, effect, customer, product, offer and the string free-trial flag', () => {
  const cases = [
    ['subscribe-success', 'activate'],
    ['subscribe-fail', 'fail'],
    ['unsubscribe-pending', 'ending'],
    ['unsubscribe-success', 'end'],
  ] as const;
  for (const [action, effect] of cases) {
    const n = parsed(sns({ action, 'customer-identifier': 'cust-1', 'product-code': 'prodcode1', 'offer-identifier': 'offer-9', isFreeTrialTermPresent: 'true' }));
    assert.equal(n.format, 'sns');
    assert.equal(n.kind, action);
    assert.equal(n.effect, effect);
    assert.equal(n.action, action);
    assert.equal(n.messageId, 'sns-message-1');
    assert.equal(n.at.toISOString(), '2026-03-01T10:00:00.123Z');
    assert.equal(n.customerIdentifier, 'cust-1');
    assert.equal(n.productCode, 'prodcode1');
    assert.equal(n.offerId, 'offer-9');
    assert.equal(n.freeTrial, true, 'the string "true"');
    assert.equal(n.topicArn, TOPIC);
    assert.equal(n.awsAccountId, undefined);
    assert.equal(n.licenceArn, undefined);
  }
  assert.equal(parsed(sns({ action: 'subscribe-success', 'customer-identifier': 'c', 'product-code': 'p', isFreeTrialTermPresent: 'false' })).freeTrial, false, 'the string "false" is false');
  assert.equal(parsed(sns({ action: 'unsubscribe-success', 'customer-identifier': 'c', 'product-code': 'p' })).freeTrial, undefined);
});

test('SNS entitlement-updated, and the older CamelCase spelling of the keys', () => {
  const updated = parsed(sns({ action: 'entitlement-updated', 'customer-identifier': 'cust-2', 'product-code': 'prodcode1' }));
  assert.deepEqual([updated.kind, updated.effect, updated.customerIdentifier], ['entitlement-updated', 'update', 'cust-2']);

  const camel = parsed(sns({ action: 'subscribe-success', CustomerIdentifier: 'cust-3', ProductCode: 'prodcode1', OfferIdentifier: 'offer-3', isFreeTrialTermPresent: 'false' }));
  assert.deepEqual([camel.kind, camel.customerIdentifier, camel.productCode, camel.offerId, camel.freeTrial], ['subscribe-success', 'cust-3', 'prodcode1', 'offer-3', false]);
});

test('SNS messages may name the buyer account and licence ARN (with or without "arn:")', () => {
  const n = parsed(sns({ action: 'subscribe-success', 'customer-aws-account-id': '123456789012', 'licence-arn': LICENCE.slice(4), 'product-code': 'prodcode1' }));
  assert.equal(n.awsAccountId, '123456789012');
  assert.equal(n.licenceArn, LICENCE);
  assert.equal(n.licenceId, 'l-0123456789abcdef0123456789abcdef');
  assert.equal(n.customerIdentifier, undefined);
  const camel = parsed(sns({ action: 'unsubscribe-success', CustomerAWSAccountId: '123456789012', LicenseArn: LICENCE, ProductCode: 'prodcode1' }));
  assert.deepEqual([camel.awsAccountId, camel.licenceArn], ['123456789012', LICENCE]);
});

test('EventBridge agreement and licence events (Manufacturer and Proposer), the licence ARN normalised with "arn:"', () => {
  const cases = [
    ['Purchase Agreement Created - Manufacturer', 'agreement-created', 'activate'],
    ['Purchase Agreement Created - Proposer', 'agreement-created', 'activate'],
    ['Purchase Agreement Amended - Manufacturer', 'agreement-amended', 'update'],
    ['Purchase Agreement Amended - Proposer', 'agreement-amended', 'update'],
    ['Purchase Agreement Ended - Manufacturer', 'agreement-ended', 'end'],
    ['Purchase Agreement Ended - Proposer', 'agreement-ended', 'end'],
    ['License Updated - Manufacturer', 'license-updated', 'update'],
    ['License Deprovisioned - Manufacturer', 'license-deprovisioned', 'end'],
  ] as const;
  for (const [detailType, kind, effect] of cases) {
    // AWS's own example ARN lacks the leading "arn:".
    const n = parsed(event(detailType, agreementDetail(LICENCE.slice(4))));
    assert.equal(n.format, 'eventbridge');
    assert.equal(n.kind, kind, detailType);
    assert.equal(n.effect, effect, detailType);
    assert.equal(n.action, detailType);
    assert.equal(n.messageId, 'event-1');
    assert.equal(n.at.toISOString(), '2026-03-01T10:00:00.000Z');
    assert.equal(n.awsAccountId, '123456789012');
    assert.equal(n.licenceArn, LICENCE);
    assert.equal(n.licenceId, 'l-0123456789abcdef0123456789abcdef');
    assert.equal(n.productCode, 'prodcode1');
    assert.equal(n.agreementId, 'agmt-1');
    assert.equal(n.offerId, 'offer-1');
  }
  assert.equal(parsed(event('Purchase Agreement Ended - Manufacturer', agreementDetail())).licenceArn, LICENCE, 'a full ARN is kept as it is');
});

test('a raw SNS message (raw delivery, no envelope) takes the delivery id and time; without them it is refused', () => {
  const body = JSON.stringify({ action: 'subscribe-success', 'customer-identifier': 'cust-4', 'product-code': 'prodcode1' });
  const sentAt = new Date('2026-03-02T00:00:00Z');
  const n = parsed(body, { messageId: 'sqs-id-1', sentAt });
  assert.deepEqual([n.format, n.messageId, n.at.getTime(), n.kind], ['sns-raw', 'sqs-id-1', sentAt.getTime(), 'subscribe-success']);
  assert.match(refused(body).reason, /delivery id and time/);
});

test('malformed messages are unprocessable with a reason, keeping what could be read', () => {
  const cases: [string, RegExp][] = [
    ['{not json', /not JSON/],
    ['"a string"', /not a JSON object/],
    ['[1,2]', /not a JSON object/],
    ['{"hello":"world"}', /Not an SNS notification or an EventBridge event/],
    [sns('{broken'), /SNS Message is not JSON/],
    [sns('[]'), /not a JSON object/],
    [sns({ action: 'subscribe-success', 'customer-identifier': 'c' }), /no product code/],
    [sns({ action: 'subscribe-success', 'product-code': 'p' }), /names no customer/],
    [sns({ 'customer-identifier': 'c', 'product-code': 'p' }), /no action/],
    [sns({ action: 'subscribe-success', 'customer-identifier': 'c', 'product-code': 'p', isFreeTrialTermPresent: 'yes' }), /isFreeTrialTermPresent/],
    [sns({ action: 'subscribe-success', 'customer-aws-account-id': '1234', 'product-code': 'p' }), /12 digits/],
    [sns({ action: 'subscribe-success', 'customer-identifier': 42, 'product-code': 'p' }), /customer identifier/],
    [sns({ action: 'subscribe-success', 'licence-arn': 'arn:aws:s3:::bucket', 'product-code': 'p' }), /not a License Manager licence ARN/],
    [sns({ action: 'subscribe-success', 'customer-identifier': 'c', 'product-code': 'p' }, { Timestamp: 'yesterday' }), /Timestamp/],
    [sns({ action: 'subscribe-success', 'customer-identifier': 'c', 'product-code': 'p' }, { Type: 'SubscriptionConfirmation' }), /not a notification/],
    [sns({ action: 'subscribe-success', 'customer-identifier': 'c', 'product-code': 'p' }, { MessageId: undefined }), /no MessageId/],
    [sns({ action: 'subscribe-success', 'customer-identifier': 'c', 'product-code': 'p' }, { Message: { action: 'x' } }), /Message is not a string/],
    [event('Purchase Agreement Created - Manufacturer', agreementDetail(), { source: 'aws.ec2' }), /not AWS Marketplace agreement events/],
    [event('Purchase Agreement Created - Manufacturer', agreementDetail(), { time: 'soon' }), /event time/],
    [event('Purchase Agreement Created - Manufacturer', { ...agreementDetail(), license: {}, acceptor: {} }), /neither a licence ARN/],
    [event('Purchase Agreement Created - Manufacturer', 'detail' as unknown as Record<string, unknown>), /no detail/],
  ];
  for (const [body, reason] of cases) assert.match(refused(body).reason, reason, body);

  const partial = refused(sns('{broken')).partial;
  assert.deepEqual(partial, { messageId: 'sns-message-1', at: new Date('2026-03-01T10:00:00.123Z') }, 'the id and time are kept for the stored row');
});

test('unknown actions and detail-types are unprocessable, naming what arrived', () => {
  const unknown = refused(sns({ action: 'subscribe-maybe', 'customer-identifier': 'c', 'product-code': 'p' }));
  assert.match(unknown.reason, /Unknown action "subscribe-maybe"/);
  assert.equal((unknown.partial as { action?: string }).action, 'subscribe-maybe');
  for (const detailType of ['Purchase Agreement Ending - Acceptor', 'Purchase Agreement Created - Acceptor', 'License Updated - Proposer', 'Purchase Agreement Advisory Issued - Manufacturer', 'Something']) {
    assert.match(refused(event(detailType, agreementDetail())).reason, /Unknown detail-type/, detailType);
  }
});

test('licence ARNs are matched on their l-<id> part; the expected SNS topics of a product', () => {
  assert.deepEqual(normaliseLicenceArn('aws:license-manager::1:license:l-abc'), { arn: 'arn:aws:license-manager::1:license:l-abc', licenceId: 'l-abc' });
  assert.equal(normaliseLicenceArn('arn:aws:license-manager::1:license:lic-abc'), undefined);
  assert.equal(normaliseLicenceArn('arn:aws:iam::1:user/l-abc'), undefined);
  assert.deepEqual(marketplaceTopicArns('prodcode1'), [TOPIC, 'arn:aws:sns:us-east-1:287250355862:aws-mp-entitlement-notification-prodcode1']);
});
