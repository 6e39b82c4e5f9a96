import assert from 'node:assert/strict';
import { createVerify, X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { createSnsSigner, snsStringToSign, type UnsignedSnsEnvelope } from './sns.signer.js';

const notification: UnsignedSnsEnvelope = {
  Type: 'Notification',
  MessageId: 'id-1',
  TopicArn: 'arn:aws:sns:us-east-1:287250355862:aws-mp-subscription-notification-p',
  Message: '{"action":"subscribe-success"}',
  Timestamp: '2026-01-15T09:00:00.000Z',
  UnsubscribeURL: 'https://example.test/unsubscribe',
};

test('the string to sign lists the keys SNS signs, in order, as Name\\nvalue\\n', () => {
  assert.equal(snsStringToSign(notification), `Message\n${notification.Message}\nMessageId\nid-1\nTimestamp\n2026-01-15T09:00:00.000Z\nTopicArn\n${notification.TopicArn}\nType\nNotification\n`);
  assert.match(snsStringToSign({ ...notification, Subject: 'Hi' }), /^Message\n.*\nMessageId\nid-1\nSubject\nHi\nTimestamp\n/);
  const confirmation: UnsignedSnsEnvelope = { ...notification, Type: 'SubscriptionConfirmation', Token: 'tok', SubscribeURL: 'https://example.test/confirm' };
  assert.equal(
    snsStringToSign(confirmation),
    `Message\n${notification.Message}\nMessageId\nid-1\nSubscribeURL\nhttps://example.test/confirm\nTimestamp\n2026-01-15T09:00:00.000Z\nToken\ntok\nTopicArn\n${notification.TopicArn}\nType\nSubscriptionConfirmation\n`,
  );
});

test('envelopes verify against the self-signed certificate with SHA256 (version 2) and SHA1 (version 1)', () => {
  const signer = createSnsSigner({ signingCertUrl: 'https://127.0.0.1:1/sns/cert.pem' });
  const certificate = new X509Certificate(signer.certificatePem);
  assert.ok(certificate.verify(certificate.publicKey), 'self-signed');
  assert.ok(certificate.checkIP('127.0.0.1'));
  for (const [version, algorithm] of [['2', 'RSA-SHA256'], ['1', 'RSA-SHA1']] as const) {
    const signed = signer.sign(notification, version);
    assert.equal(signed.SignatureVersion, version);
    assert.equal(signed.SigningCertURL, 'https://127.0.0.1:1/sns/cert.pem');
    assert.ok(createVerify(algorithm).update(snsStringToSign(signed)).verify(signer.certificatePem, signed.Signature, 'base64'), version);
    assert.ok(!createVerify(algorithm).update(snsStringToSign({ ...signed, Message: '{}' })).verify(signer.certificatePem, signed.Signature, 'base64'));
  }
});
