import { formatAccountId } from '../core/account-id.js';
import type { RegistrationOptions } from '../accounts/registration.service.js';
import type { ClientInfo } from '../core/client-info.js';
import type { AuditLog } from '../audit/audit.repo.js';
import type { Clock } from '../core/clock.js';
import type { Db } from '../db/database.js';
import type { MarketplaceSubscriptionRow } from '../db/schema.js';
import { hashToken } from '../core/tokens.js';
import { verifyHandshake } from './handshake.js';
import { linkErrors, type MarketplaceError } from './marketplace.errors.js';
import type { MarketplaceRepo } from './marketplace.repo.js';

/** A handshake that may still link its subscription (valid signature, not expired, not used). */
export interface OpenHandshake {
  nonceHash: string;
  expiresAt: Date;
  subscription: MarketplaceSubscriptionRow;
  /** Whether a portal account exists for the subscription's AWS account (the page offers sign-in first). */
  portalAccountExists: boolean;
}

export type HandshakeState = { ok: true; handshake: OpenHandshake } | { ok: false; error: MarketplaceError };

export function createLinkService(deps: { db: Db; subscriptions: MarketplaceRepo; clock: Clock; audit: AuditLog; handshakeKey: Buffer }) {
  const repo = deps.subscriptions;

  /** Spends the handshake and links the subscription to the portal account, in the caller's transaction. */
  async function claim(handshake: OpenHandshake, account: { id: string; awsAccountId: string }, client: ClientInfo, trx: Db): Promise<void> {
    const { subscription } = handshake;
    if (account.awsAccountId !== subscription.aws_account_id) throw linkErrors.mismatch(formatAccountId(subscription.aws_account_id), formatAccountId(account.awsAccountId));
    const now = deps.clock.now();
    if (!(await repo.spendHandshake(handshake.nonceHash, subscription.id, account.id, now, trx))) {
      // Spent by a parallel request, or expired since it was checked.
      throw handshake.expiresAt <= now ? linkErrors.expired() : linkErrors.used();
    }
    await repo.link(subscription.id, account.id, now, trx);
    await deps.audit.record(
      { event: 'marketplace.linked', actor: `account:${account.awsAccountId}`, awsAccountId: account.awsAccountId, ip: client.ip, details: { subscriptionId: subscription.id, licenceArn: subscription.licence_arn } },
      trx,
    );
  }

  return {
    /** Validates a handshake (signature, expiry, single use, bound to its subscription) without spending it. */
    async checkHandshake(value: string | undefined): Promise<HandshakeState> {
      if (value === undefined || value === '') return { ok: false, error: linkErrors.missing() };
      const now = deps.clock.now();
      const verified = verifyHandshake(deps.handshakeKey, value, now);
      if (!verified.ok) return { ok: false, error: verified.reason === 'expired' ? linkErrors.expired() : linkErrors.invalid() };
      const nonceHash = hashToken(verified.claims.nonce);
      const row = await repo.findHandshake(nonceHash);
      // A signed value whose row is gone or names another subscription is treated as forged.
      if (row === undefined || row.subscription.id !== verified.claims.subscriptionId) return { ok: false, error: linkErrors.invalid() };
      if (row.usedAt !== null) return { ok: false, error: linkErrors.used() };
      if (row.expiresAt <= now) return { ok: false, error: linkErrors.expired() };
      return { ok: true, handshake: { nonceHash, expiresAt: row.expiresAt, subscription: row.subscription, portalAccountExists: row.portalAccountExists } };
    },

    /** Links the subscription to the signed-in portal account (it must have the subscription's AWS account ID). */
    async linkAccount(handshake: OpenHandshake, account: { id: string; awsAccountId: string }, client: ClientInfo): Promise<void> {
      await deps.db.transaction().execute((trx) => claim(handshake, account, client, trx));
    },

    /** For registration through the link page: the account ID is the subscription's and the link happens in the same transaction. */
    registrationOptions(handshake: OpenHandshake, client: ClientInfo): RegistrationOptions {
      return { entitledBy: { awsAccountId: handshake.subscription.aws_account_id, claim: (account, trx) => claim(handshake, account, client, trx) } };
    },

    /** Someone signed in (or tried to) with another AWS account ID than the subscription's: refused, and recorded. */
    async recordRefusal(handshake: OpenHandshake, attemptedAwsAccountId: string, client: ClientInfo): Promise<void> {
      await deps.audit.record({
        event: 'marketplace.link_refused',
        actor: `account:${attemptedAwsAccountId}`,
        awsAccountId: handshake.subscription.aws_account_id,
        ip: client.ip,
        details: { subscriptionId: handshake.subscription.id, attemptedAwsAccountId },
      });
    },

    deleteExpiredHandshakes: () => repo.deleteExpiredHandshakes(deps.clock.now()),
  };
}

export type LinkService = ReturnType<typeof createLinkService>;
