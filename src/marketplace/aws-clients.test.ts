import assert from 'node:assert/strict';
import { test } from 'node:test';
import { entitlementFromSdk } from './aws-clients.js';

test("an SDK entitlement in the portal's terms: fields renamed, the date kept a Date", () => {
  const expires = new Date('2027-01-01T00:00:00Z');
  assert.deepEqual(
    entitlementFromSdk({ ProductCode: 'p', Dimension: 'standard', CustomerIdentifier: 'c', CustomerAWSAccountId: '123456789012', LicenseArn: 'arn:l', Value: { IntegerValue: 5 }, ExpirationDate: expires }),
    { productCode: 'p', dimension: 'standard', customerIdentifier: 'c', awsAccountId: '123456789012', licenceArn: 'arn:l', value: { kind: 'integer', value: 5 }, expiresAt: expires },
  );
});

test('the value is the first AWS set, in the order integer, double, boolean, string; none is no value', () => {
  const value = (v: Parameters<typeof entitlementFromSdk>[0]['Value']) => entitlementFromSdk({ Value: v }).value;
  assert.deepEqual(value({ IntegerValue: 0, DoubleValue: 2, BooleanValue: true }), { kind: 'integer', value: 0 });
  assert.deepEqual(value({ DoubleValue: 0.5, StringValue: 'x' }), { kind: 'double', value: 0.5 });
  assert.deepEqual(value({ BooleanValue: false, StringValue: 'x' }), { kind: 'boolean', value: false });
  assert.deepEqual(value({ StringValue: '' }), { kind: 'string', value: '' });
  assert.equal(value({}), undefined);
  assert.equal(value(undefined), undefined);
});
