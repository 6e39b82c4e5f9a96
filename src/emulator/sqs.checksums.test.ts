import assert from 'node:assert/strict';
import { test } from 'node:test';
import { md5Hex, md5OfMessageAttributes } from './sqs.checksums.js';

// Digests that moto's SQS test suite pins as what AWS returns for the same input.
test('MD5OfMessageBody is the hex MD5 of the UTF-8 body', () => {
  assert.equal(md5Hex('derp'), '58fd9edd83341c29f1aebba81c31e257');
});

test('MD5OfMessageAttributes matches the digests AWS returns', () => {
  for (const [name, value, digest] of [
    ['timestamp', '1493147359900', '235c5c510d26fb653d073faed50ae77c'],
    ['timestamp', '1493147359901', '994258b45346a2cc3f9cbb611aa7af30'],
    ['SOME_Valid.attribute-Name', '1493147359900', '36655e7e9d7c0e8479fa3f3f42247ae7'],
  ] as const) {
    assert.equal(md5OfMessageAttributes({ [name]: { DataType: 'Number', StringValue: value } }), digest, name);
  }
});

test('attributes are digested in name order, whatever order they come in', () => {
  const a = { DataType: 'String', StringValue: 'x' };
  const b = { DataType: 'Binary', BinaryValue: Buffer.from('hi').toString('base64') };
  assert.equal(md5OfMessageAttributes({ alpha: a, beta: b }), md5OfMessageAttributes({ beta: b, alpha: a }));
});
