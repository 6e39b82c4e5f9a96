/**
 * SNS message signing, as SNS does it (aws-protocols.md §6): a string of `Name\nvalue\n` lines over fixed keys,
 * signed with RSA-SHA1 (SignatureVersion 1) or RSA-SHA256 (2), verified against the certificate at
 * SigningCertURL. The emulator's certificate is self-signed and also serves its https listener, so a client
 * that trusts it (NODE_EXTRA_CA_CERTS, or `ca` in tests) can fetch SigningCertURL over https as sns-validator does.
 */
import { createSign } from 'node:crypto';
import { createSigningKey, type SigningKey } from './signing-key.js';

export type SnsSignatureVersion = '1' | '2';

export type SnsSigningKey = SigningKey;

export type SnsMessageType = 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';

export interface UnsignedSnsEnvelope {
  Type: SnsMessageType;
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  Subject?: string;
  /** SubscriptionConfirmation / UnsubscribeConfirmation only. */
  Token?: string;
  SubscribeURL?: string;
  /** Notification only. */
  UnsubscribeURL?: string;
}

export interface SnsEnvelope extends UnsignedSnsEnvelope {
  SignatureVersion: SnsSignatureVersion;
  Signature: string;
  SigningCertURL: string;
}

/** A fresh RSA-2048 key and a self-signed certificate for it, valid for loopback names (usable as a TLS server cert). */
export const createSnsSigningKey = (options: { hosts?: string[] } = {}): SnsSigningKey => createSigningKey({ commonName: 'sns.emulator.localhost', ...options });

const NOTIFICATION_KEYS = ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'] as const;
const SUBSCRIPTION_KEYS = ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'] as const;

/** The exact bytes SNS signs: for each present key, in this order, `Name\nvalue\n`. */
export function snsStringToSign(envelope: UnsignedSnsEnvelope): string {
  const keys = envelope.Type === 'Notification' ? NOTIFICATION_KEYS : SUBSCRIPTION_KEYS;
  return keys
    .filter((key) => envelope[key] !== undefined)
    .map((key) => `${key}\n${envelope[key] ?? ''}\n`)
    .join('');
}

export function signSnsEnvelope(envelope: UnsignedSnsEnvelope, key: SnsSigningKey, options: { signingCertUrl: string; signatureVersion?: SnsSignatureVersion }): SnsEnvelope {
  const signatureVersion = options.signatureVersion ?? '2';
  const signature = createSign(signatureVersion === '1' ? 'RSA-SHA1' : 'RSA-SHA256')
    .update(snsStringToSign(envelope), 'utf8')
    .sign(key.privateKeyPem, 'base64');
  // The key order of a real SNS envelope.
  return {
    Type: envelope.Type,
    MessageId: envelope.MessageId,
    ...(envelope.Token === undefined ? {} : { Token: envelope.Token }),
    TopicArn: envelope.TopicArn,
    ...(envelope.Subject === undefined ? {} : { Subject: envelope.Subject }),
    Message: envelope.Message,
    ...(envelope.SubscribeURL === undefined ? {} : { SubscribeURL: envelope.SubscribeURL }),
    Timestamp: envelope.Timestamp,
    SignatureVersion: signatureVersion,
    Signature: signature,
    SigningCertURL: options.signingCertUrl,
    ...(envelope.UnsubscribeURL === undefined ? {} : { UnsubscribeURL: envelope.UnsubscribeURL }),
  };
}

/** A signer bound to one key and certificate URL: what the emulator uses, and what tests can use directly. */
export interface SnsSigner {
  certificatePem: string;
  signingCertUrl: string;
  sign(envelope: UnsignedSnsEnvelope, signatureVersion?: SnsSignatureVersion): SnsEnvelope;
}

export function createSnsSigner(options: { signingCertUrl: string; key?: SnsSigningKey; signatureVersion?: SnsSignatureVersion }): SnsSigner {
  const key = options.key ?? createSnsSigningKey();
  return {
    certificatePem: key.certificatePem,
    signingCertUrl: options.signingCertUrl,
    sign: (envelope, signatureVersion = options.signatureVersion) =>
      signSnsEnvelope(envelope, key, { signingCertUrl: options.signingCertUrl, ...(signatureVersion === undefined ? {} : { signatureVersion }) }),
  };
}
