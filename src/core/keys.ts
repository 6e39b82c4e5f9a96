import { hkdfSync } from 'node:crypto';

/** Independent keys per purpose from SECRET_KEY (HKDF-SHA256), so no two features share key material. */
export function deriveKey(secretKey: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secretKey, 'webstream-portal', purpose, 32));
}
