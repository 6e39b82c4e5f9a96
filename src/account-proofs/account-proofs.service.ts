import type { RegistrationOptions } from '../accounts/registration.service.js';
import type { AuditLog } from '../audit/audit.repo.js';
import { formatAccountId } from '../core/account-id.js';
import type { ClientInfo } from '../core/client-info.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { generateToken, hashToken } from '../core/tokens.js';
import type { Db } from '../db/database.js';
import type { LicencesRepo } from '../licences/licences.repo.js';
import type { VerifiedIdentity } from './identity.js';
import { proofLinkErrors, type ProofLinkError } from './proof-link.errors.js';
import type { ProofLinksRepo } from './proof-links.repo.js';

/** A portal link works for 15 minutes, like the Marketplace link handshake. */
export const PROOF_LINK_LIFETIME_MS = 15 * 60 * 1000;
/** Where the link opens: the token moves into a cookie there and leaves the address bar. */
export const PROOF_LINK_OPEN_PATH = '/portal/link/proof';

export interface PortalLink {
  url: string;
  expiresAt: Date;
  awsAccountId: string;
  /** What the link opens: registration with the account ID fixed, or sign-in when the portal account exists. */
  action: 'register' | 'sign_in';
}

/** A link that may still be used (known, not expired, not used). */
export interface OpenProofLink {
  tokenHash: string;
  awsAccountId: string;
  instanceId: string;
  region: string;
  expiresAt: Date;
  portalAccountExists: boolean;
}

export type ProofLinkState = { ok: true; link: OpenProofLink } | { ok: false; error: ProofLinkError };

/** 256-bit tokens from generateToken: anything else is refused before a lookup. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Portal links (DESIGN.md §2, issue 11): a WebStream instance proves its AWS account with its identity
 * document and gets a single-use, 15-minute URL that opens the portal's registration with the account ID
 * fixed and proven, or sign-in when a portal account exists. Only the token's hash is stored; the link is
 * spent in the same transaction as the registration (or on a successful sign-in), never by opening it.
 */
export function createAccountProofService(deps: { db: Db; links: ProofLinksRepo; licences: Pick<LicencesRepo, 'hasNonRevokedLicence'>; clock: Clock; audit: AuditLog; publicUrl: URL }) {
  const { links } = deps;

  /** Spends the link for `use`, in the caller's transaction when one is given; a link spent or expired since it was checked is refused. */
  async function spend(link: OpenProofLink, use: 'register' | 'sign_in', client: ClientInfo, trx: Db): Promise<void> {
    const now = deps.clock.now();
    if (!(await links.spend(link.tokenHash, now, trx))) throw link.expiresAt <= now ? proofLinkErrors.expired() : proofLinkErrors.used();
    await deps.audit.record(
      { event: 'account_proof.link_used', actor: `account:${link.awsAccountId}`, awsAccountId: link.awsAccountId, ip: client.ip, details: { use, instanceId: link.instanceId, region: link.region } },
      trx,
    );
  }

  return {
    /**
     * Creates a link for the verified identity's AWS account. Refused (409 `no_licence`) when neither a portal
     * account nor a licence exists for it: registration would refuse it, so the instance should request a licence first.
     */
    async createLink(identity: VerifiedIdentity, client: ClientInfo): Promise<PortalLink> {
      const { accountId: awsAccountId, instanceId, region } = identity;
      const now = deps.clock.now();
      const expiresAt = new Date(now.getTime() + PROOF_LINK_LIFETIME_MS);
      const token = generateToken();
      return deps.db.transaction().execute(async (trx) => {
        const exists = await links.portalAccountExists(awsAccountId, trx);
        if (!exists && !(await deps.licences.hasNonRevokedLicence(awsAccountId, trx))) {
          throw new AppError(
            'no_licence',
            `AWS account ${formatAccountId(awsAccountId)} holds no WebStream licence yet, and a portal account needs one. Request a licence first (POST /api/v1/licence-requests), then open the portal link again.`,
            409,
          );
        }
        await links.insert({ tokenHash: hashToken(token), awsAccountId, instanceId, region, now, expiresAt }, trx);
        const action = exists ? 'sign_in' : 'register';
        await deps.audit.record(
          { event: 'account_proof.link_created', actor: `instance:${instanceId}`, awsAccountId, ip: client.ip, details: { instanceId, region, action, expiresAt: expiresAt.toISOString() } },
          trx,
        );
        const url = new URL(PROOF_LINK_OPEN_PATH, deps.publicUrl);
        url.searchParams.set('token', token);
        return { url: url.toString(), expiresAt, awsAccountId, action };
      });
    },

    /** Whether the link is usable (known, not expired, not used), without spending it. */
    async check(token: string | undefined): Promise<ProofLinkState> {
      if (token === undefined || token === '') return { ok: false, error: proofLinkErrors.missing() };
      if (!TOKEN.test(token)) return { ok: false, error: proofLinkErrors.invalid() };
      const tokenHash = hashToken(token);
      const row = await links.find(tokenHash);
      if (row === undefined) return { ok: false, error: proofLinkErrors.invalid() };
      if (row.usedAt !== null) return { ok: false, error: proofLinkErrors.used() };
      if (row.expiresAt <= deps.clock.now()) return { ok: false, error: proofLinkErrors.expired() };
      const { awsAccountId, instanceId, region, expiresAt, portalAccountExists } = row;
      return { ok: true, link: { tokenHash, awsAccountId, instanceId, region, expiresAt, portalAccountExists } };
    },

    /** For registration through the link: the account ID is the proven one, and the link is spent in the registration's transaction. */
    registrationOptions(link: OpenProofLink, client: ClientInfo): RegistrationOptions {
      return { provenBy: { awsAccountId: link.awsAccountId, via: 'portal_link', claim: (_account, trx) => spend(link, 'register', client, trx) } };
    },

    /** After the password was accepted on the link's sign-in: the link has done its job. */
    async spendForSignIn(link: OpenProofLink, client: ClientInfo): Promise<void> {
      await deps.db.transaction().execute((trx) => spend(link, 'sign_in', client, trx));
    },

    deleteExpiredLinks: () => links.deleteExpired(deps.clock.now()),
  };
}

export type AccountProofService = ReturnType<typeof createAccountProofService>;
