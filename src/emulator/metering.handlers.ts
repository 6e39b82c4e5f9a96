/** AWSMarketplaceMetering (awsJson1_1, target prefix AWSMPMeteringService): ResolveCustomer and BatchMeterUsage. */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { AwsError, fromEpochSeconds, isRecord, optionalString, requiredString, toEpochSeconds, validationError, type Input } from './aws-protocol.js';
import { isEntitled, type Marketplace, type Subscription } from './marketplace.state.js';

export interface MeteringRecord {
  meteringRecordId: string;
  productCode: string;
  dimension: string;
  quantity: number;
  timestamp: Date;
  awsAccountId: string;
  licenseArn: string;
  recordedAt: Date;
}

const HOUR = 3_600_000;
const MAX_QUANTITY = 2_147_483_647;

export function meteringHandlers(deps: { marketplace: Marketplace; clock: Clock; usage: MeteringRecord[]; usageDimensions: readonly string[] }) {
  const { marketplace, clock, usage } = deps;

  function resolveCustomer(input: Input) {
    const token = requiredString(input, 'RegistrationToken');
    const record = marketplace.tokenRecord(token);
    const subscription = record === undefined ? undefined : marketplace.find(record.licenseArn);
    if (record === undefined || subscription === undefined) throw new AwsError('InvalidTokenException', 'Registration token is invalid.');
    if (clock.now().getTime() >= record.expiresAt.getTime()) throw new AwsError('ExpiredTokenException', 'Registration token has expired.');
    return {
      ...(subscription.legacyListing ? { CustomerIdentifier: subscription.customerIdentifier } : {}),
      ProductCode: subscription.productCode,
      CustomerAWSAccountId: subscription.awsAccountId,
      LicenseArn: subscription.licenseArn,
    };
  }

  /** Which subscription a usage record is for: by CustomerIdentifier (legacy) or CustomerAWSAccountId (+ LicenseArn). */
  /** Checked for every record before any is recorded: a bad record rejects the whole batch. */
  function checkCustomer(record: Record<string, unknown>): void {
    const customerIdentifier = optionalString(record, 'CustomerIdentifier');
    const accountId = optionalString(record, 'CustomerAWSAccountId');
    if (customerIdentifier !== undefined && accountId !== undefined) throw validationError('CustomerIdentifier and CustomerAWSAccountId are mutually exclusive in a UsageRecord.');
    if (customerIdentifier === undefined && accountId === undefined) throw validationError('A UsageRecord needs CustomerIdentifier or CustomerAWSAccountId.');
  }

  function customerOf(productCode: string, record: Input): Subscription | undefined {
    const customerIdentifier = optionalString(record, 'CustomerIdentifier');
    const accountId = optionalString(record, 'CustomerAWSAccountId');
    const licenseArn = optionalString(record, 'LicenseArn');
    return marketplace
      .list()
      .find(
        (s) =>
          s.productCode === productCode &&
          isEntitled(s) &&
          (customerIdentifier !== undefined ? s.customerIdentifier === customerIdentifier : s.awsAccountId === accountId && (licenseArn === undefined || s.licenseArn === licenseArn)),
      );
  }

  function batchMeterUsage(input: Input) {
    const productCode = requiredString(input, 'ProductCode');
    if (!marketplace.knowsProduct(productCode)) throw new AwsError('InvalidProductCodeException', `Product code ${productCode} is not valid for this seller.`);
    const records = input.UsageRecords;
    if (!Array.isArray(records) || records.length === 0 || records.length > 25) throw validationError('UsageRecords must hold 1 to 25 records.');
    const now = clock.now().getTime();
    const parsed = records.map((raw: unknown) => {
      if (!isRecord(raw)) throw validationError('Each UsageRecord must be an object.');
      const timestamp = fromEpochSeconds(raw.Timestamp, 'Timestamp');
      const dimension = requiredString(raw, 'Dimension');
      const quantity = raw.Quantity === undefined ? 0 : raw.Quantity;
      if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 0 || quantity > MAX_QUANTITY) throw validationError(`Quantity must be an integer from 0 to ${MAX_QUANTITY}.`);
      if (Array.isArray(raw.UsageAllocations)) {
        const allocated = raw.UsageAllocations.reduce((sum: number, a: unknown) => sum + (isRecord(a) && typeof a.AllocatedUsageQuantity === 'number' ? a.AllocatedUsageQuantity : 0), 0);
        if (allocated !== quantity) throw new AwsError('InvalidUsageAllocationsException', 'The sum of AllocatedUsageQuantity must equal Quantity.');
      }
      checkCustomer(raw);
      return { raw, timestamp, dimension, quantity };
    });
    // Any record outside the window rejects the whole batch (newest model: up to 24 h in the past, not in the future).
    if (parsed.some((r) => r.timestamp.getTime() < now - 24 * HOUR || r.timestamp.getTime() > now + 5 * 60_000)) {
      throw new AwsError('TimestampOutOfBoundsException', 'A usage record timestamp is more than 24 hours in the past or in the future.');
    }
    const unknownDimension = parsed.find((r) => !deps.usageDimensions.includes(r.dimension));
    if (unknownDimension !== undefined) throw new AwsError('InvalidUsageDimensionException', `The usage dimension ${unknownDimension.dimension} is not defined for product ${productCode}.`);

    const results = parsed.map(({ raw, timestamp, dimension, quantity }) => {
      const echo = { ...raw, Timestamp: toEpochSeconds(timestamp), Quantity: quantity };
      const subscription = customerOf(productCode, raw);
      if (subscription === undefined) return { UsageRecord: echo, Status: 'CustomerNotSubscribed' };
      // Same customer, dimension and hour: identical records are de-duplicated, a different quantity is a DuplicateRecord.
      const hour = Math.floor(timestamp.getTime() / HOUR);
      const earlier = usage.find((u) => u.licenseArn === subscription.licenseArn && u.dimension === dimension && Math.floor(u.timestamp.getTime() / HOUR) === hour);
      if (earlier !== undefined) {
        return earlier.quantity === quantity ? { UsageRecord: echo, MeteringRecordId: earlier.meteringRecordId, Status: 'Success' } : { UsageRecord: echo, Status: 'DuplicateRecord' };
      }
      const meteringRecordId = randomUUID();
      usage.push({ meteringRecordId, productCode, dimension, quantity, timestamp, awsAccountId: subscription.awsAccountId, licenseArn: subscription.licenseArn, recordedAt: new Date(now) });
      return { UsageRecord: echo, MeteringRecordId: meteringRecordId, Status: 'Success' };
    });
    return { Results: results, UnprocessedRecords: [] };
  }

  return { ResolveCustomer: resolveCustomer, BatchMeterUsage: batchMeterUsage };
}
