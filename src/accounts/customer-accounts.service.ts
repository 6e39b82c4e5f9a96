import type { AuditLog } from '../audit/audit.repo.js';
import { formatAccountId, normaliseAccountId } from '../core/account-id.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { Db } from '../db/database.js';
import type { PortalAccountRow } from '../db/schema.js';
import type { SessionService } from '../sessions/sessions.service.js';
import type { AccountsRepo } from './accounts.repo.js';
import type { CustomerQuery, CustomerSearchRepo } from './customer-search.repo.js';

/** A staff member acting on a customer: recorded as the audit entry's actor, address and (when asked) reason. */
export interface StaffChange {
  actor: string;
  ip: string | null;
  reason?: string;
}

export const SEARCH_MAX_LENGTH = 254;

/**
 * What a search box holds: 1 to 12 digits (dashes and spaces allowed, as people paste account IDs) are an
 * account ID or its beginning; anything else of at least two characters is part of an email address.
 */
export function parseCustomerQuery(input: string): { ok: true; query: CustomerQuery } | { ok: false; message: string } {
  const trimmed = input.trim();
  const digits = trimmed.replace(/[\s-]/g, '');
  if (/^\d{1,12}$/.test(digits)) return { ok: true, query: { kind: 'account', digits } };
  if (/^\d+$/.test(digits)) return { ok: false, message: `An AWS account ID has 12 digits; this one has ${digits.length}.` };
  if (trimmed.length < 2) return { ok: false, message: 'Type at least two characters of an email address, or digits of an AWS account ID.' };
  if (trimmed.length > SEARCH_MAX_LENGTH) return { ok: false, message: `Type at most ${SEARCH_MAX_LENGTH} characters.` };
  return { ok: true, query: { kind: 'email', part: trimmed } };
}

/** Staff's view of and changes to customers' portal accounts (the admin panel calls these). */
export function createCustomerAccountsService(deps: { db: Db; clock: Clock; accounts: AccountsRepo; search: CustomerSearchRepo; sessions: SessionService; audit: AuditLog }) {
  const { accounts } = deps;

  async function existing(awsAccountId: string): Promise<PortalAccountRow> {
    const account = await accounts.findByAwsAccountId(awsAccountId);
    if (account === undefined) throw new AppError('not_found', `AWS account ${formatAccountId(awsAccountId)} has no portal account.`, 404);
    return account;
  }

  return {
    /** A page of matches after the account ID `after`, with how many match in all. */
    async search(input: string, after: string | undefined, limit = 25) {
      const parsed = parseCustomerQuery(input);
      if (!parsed.ok) throw new AppError('validation_failed', parsed.message, 400, { q: [parsed.message] });
      const cursor = after !== undefined && /^\d{12}$/.test(after) ? after : undefined;
      return deps.search.search(parsed.query, cursor, limit);
    },

    /** The portal account of an AWS account ID in any written form; undefined when there is none (or the ID is not one). */
    async find(awsAccountIdInput: string): Promise<PortalAccountRow | undefined> {
      const id = normaliseAccountId(awsAccountIdInput);
      return id.ok ? accounts.findByAwsAccountId(id.accountId) : undefined;
    },

    /** The account can no longer sign in, and every session of it ends in the same transaction; its licences are untouched. */
    async disable(awsAccountId: string, by: StaffChange): Promise<void> {
      const account = await existing(awsAccountId);
      await deps.db.transaction().execute(async (trx) => {
        const changed = await accounts.setDisabled(account.id, deps.clock.now(), trx);
        if (!changed) throw new AppError('already_disabled', 'This portal account is already disabled.', 409);
        await deps.sessions.invalidateAllForAccount(account.id, trx);
        await deps.audit.record({ event: 'account.disabled', actor: by.actor, awsAccountId, ip: by.ip, reason: by.reason ?? null }, trx);
      });
    },

    async enable(awsAccountId: string, by: StaffChange): Promise<void> {
      const account = await existing(awsAccountId);
      await deps.db.transaction().execute(async (trx) => {
        const changed = await accounts.setDisabled(account.id, null, trx);
        if (!changed) throw new AppError('not_disabled', 'This portal account is not disabled.', 409);
        await deps.audit.record({ event: 'account.enabled', actor: by.actor, awsAccountId, ip: by.ip, reason: by.reason ?? null }, trx);
      });
    },

    /** Signs the customer out of every browser; returns how many sessions there were. */
    async endAllSessions(awsAccountId: string, by: StaffChange): Promise<number> {
      const account = await existing(awsAccountId);
      const open = (await deps.sessions.listForAccount(account.id)).length;
      await deps.db.transaction().execute(async (trx) => {
        await deps.sessions.invalidateAllForAccount(account.id, trx);
        await deps.audit.record({ event: 'session.ended_by_staff', actor: by.actor, awsAccountId, ip: by.ip, details: { sessions: open }, reason: by.reason ?? null }, trx);
      });
      return open;
    },
  };
}

export type CustomerAccountsService = ReturnType<typeof createCustomerAccountsService>;
