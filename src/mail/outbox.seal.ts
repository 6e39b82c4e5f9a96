import { deriveKey } from '../core/keys.js';
import { openSecret, sealSecret } from '../core/secret-box.js';

export interface SealedEnvelope {
  to: string;
  template: string;
}

/**
 * Outbox bodies sealed with AES-256-GCM (the TOTP secret box) under their own key derived from SECRET_KEY.
 * Bound to the row's recipient and template: a body copied onto another recipient's row does not open.
 */
export function createBodySeal(secretKey: string) {
  const key = deriveKey(secretKey, 'mail-outbox-body');
  const boundTo = (envelope: SealedEnvelope) => JSON.stringify(['mail_outbox', envelope.template, envelope.to]);
  return {
    seal: (envelope: SealedEnvelope, text: string): string => sealSecret(key, text, boundTo(envelope)),
    /** Throws when the body was sealed under another key or for another row. */
    open: (envelope: SealedEnvelope, sealed: string): string => openSecret(key, sealed, boundTo(envelope)),
  };
}

export type BodySeal = ReturnType<typeof createBodySeal>;
