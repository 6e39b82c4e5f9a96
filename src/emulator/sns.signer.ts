/**
 * SNS message signing, as SNS does it (aws-protocols.md §6): a string of `Name\nvalue\n` lines over fixed keys,
 * signed with RSA-SHA1 (SignatureVersion 1) or RSA-SHA256 (2), verified against the certificate at
 * SigningCertURL. The emulator's certificate is self-signed and also serves its https listener, so a client
 * that trusts it (NODE_EXTRA_CA_CERTS, or `ca` in tests) can fetch SigningCertURL over https as sns-validator does.
 */
import { constants, createSign, generateKeyPairSync, privateEncrypt, randomBytes, X509Certificate } from 'node:crypto';
import forge from 'node-forge';

export type SnsSignatureVersion = '1' | '2';

export interface SnsSigningKey {
  privateKeyPem: string;
  certificatePem: string;
}

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

/** The DER prefix of a PKCS#1 DigestInfo for SHA-256 (RFC 8017 §9.2). */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/** A fresh RSA-2048 key and a self-signed certificate for it, valid for loopback names (usable as a TLS server cert). */
export function createSnsSigningKey(options: { hosts?: string[] } = {}): SnsSigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(publicKey);
  // A positive serial: the leading byte stays below 0x80.
  certificate.serialNumber = `01${randomBytes(15).toString('hex')}`;
  const now = Date.now();
  certificate.validity.notBefore = new Date(now - 86_400_000);
  certificate.validity.notAfter = new Date(now + 365 * 86_400_000);
  const name = [
    { name: 'commonName', value: 'sns.emulator.localhost' },
    { name: 'organizationName', value: 'WebStream local AWS emulator' },
  ];
  certificate.setSubject(name);
  certificate.setIssuer(name);
  const names = new Set(['localhost', '127.0.0.1', '::1', ...(options.hosts ?? [])]);
  const isIp = (host: string) => /^[\d.]+$/.test(host) || host.includes(':');
  certificate.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [...names].map((host) => (isIp(host) ? { type: 7, ip: host } : { type: 2, value: host })) },
    { name: 'subjectKeyIdentifier' },
  ]);
  // forge's pure-JS RSA takes about half a second here; node:crypto signs the same PKCS#1 v1.5 DigestInfo at once.
  const nativeSigner = {
    sign: (md: forge.md.MessageDigest) => privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([SHA256_DIGEST_INFO, Buffer.from(md.digest().getBytes(), 'binary')])).toString('binary'),
  } as unknown as forge.pki.rsa.PrivateKey;
  certificate.sign(nativeSigner, forge.md.sha256.create());
  const certificatePem = forge.pki.certificateToPem(certificate);
  new X509Certificate(certificatePem); // fails loudly here rather than at the first verification
  return { privateKeyPem: privateKey, certificatePem };
}

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
