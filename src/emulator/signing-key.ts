/** The emulator's signing keys: an RSA key and a self-signed certificate, made with node-forge and node:crypto. */
import { constants, generateKeyPairSync, privateEncrypt, randomBytes, X509Certificate } from 'node:crypto';
import forge from 'node-forge';

export interface SigningKey {
  privateKeyPem: string;
  certificatePem: string;
}

/** The DER prefix of a PKCS#1 DigestInfo for SHA-256 (RFC 8017 §9.2). */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/**
 * A fresh RSA-2048 key and a self-signed certificate for it (subject `commonName`), valid for loopback names and
 * `hosts` (usable as a TLS server cert). The SNS signer and the instance metadata service each make one.
 */
export function createSigningKey(options: { commonName: string; hosts?: string[] }): SigningKey {
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
    { name: 'commonName', value: options.commonName },
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
