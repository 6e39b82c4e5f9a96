import { AppError } from '../core/errors.js';
import type { AccountsRepo } from '../accounts/accounts.repo.js';
import type { ClientInfo } from '../core/client-info.js';
import type { AuditLog } from '../audit/audit.repo.js';
import type { Clock } from '../core/clock.js';
import type { Db } from '../db/database.js';
import type { EmailCodePurpose, MfaMethod } from '../db/schema.js';
import { deriveKey } from '../core/keys.js';
import type { Mailer } from '../mail/mailer.js';
import type { SessionService } from '../sessions/sessions.service.js';
import { lockoutMessage } from '../throttle/throttle.policy.js';
import { throttledCheck, type ThrottleRepo } from '../throttle/throttle.repo.js';
import { hashCode, looksLikeRecoveryCode, newEmailCode, newRecoveryCodes, normaliseRecoveryCode } from './codes.js';
import { EMAIL_CODE_VALID_MINUTES, type EmailCodeCheck, type EmailCodesRepo } from './email-codes.repo.js';
import { mfaChangedEmail, recoveryCodesRegeneratedEmail, verificationCodeEmail } from './mfa.emails.js';
import type { MfaAccount, MfaRepo } from './mfa.repo.js';
import { openSecret, sealSecret } from '../core/secret-box.js';
import { matchTotpStep, newTotpSecret, otpauthUri } from './totp.js';

/** An authenticator app set-up not finished within this time starts over (the key shown is forgotten). */
const PENDING_TOTP_MINUTES = 30;

/** `locked`: too many wrong codes lately; the message says how long to wait. */
export type CodeResult<T = object> = ({ ok: true } & T) | { ok: false; message: string; locked?: boolean };
export type SendResult = { sent: true } | { sent: false; waitSeconds: number };
/** What a code may be, where it is asked for. */
export interface CodeOptions {
  emailPurpose: EmailCodePurpose;
  acceptTotp: boolean;
  acceptRecovery: boolean;
}

const EMAIL_CODE_MESSAGES: Record<Exclude<EmailCodeCheck, { ok: true }>['reason'], string> = {
  wrong: 'That code is not correct. Check the latest email from us and try again.',
  expired: 'That code has expired. Ask for a new code.',
  spent: 'That code can no longer be used (it was used, replaced by a newer one, or mistyped too often). Ask for a new code.',
};

export function createMfaService(deps: {
  db: Db;
  clock: Clock;
  accounts: AccountsRepo;
  mfa: MfaRepo;
  emailCodes: EmailCodesRepo;
  throttle: ThrottleRepo;
  mailer: Mailer;
  audit: AuditLog;
  sessions: SessionService;
  secretKey: string;
  publicUrl: URL;
}) {
  const { accounts, mfa: repo, emailCodes } = deps;
  const totpKey = deriveKey(deps.secretKey, 'totp-secret');
  const codeKey = deriveKey(deps.secretKey, 'mfa-codes');
  const settingsUrl = new URL('/portal/settings', deps.publicUrl).toString();
  const emailCodeHash = (accountId: string, purpose: EmailCodePurpose, code: string) => hashCode(codeKey, `email:${accountId}:${purpose}`, code);
  const recoveryHash = (accountId: string, normalised: string) => hashCode(codeKey, `recovery:${accountId}`, normalised);

  async function loadAccount(accountId: string): Promise<MfaAccount> {
    const account = await repo.account(accountId);
    if (account === undefined) throw new Error(`No portal account ${accountId}`);
    return account;
  }

  /** The key being set up on a loaded account, for the QR code and manual entry; undefined if none or expired. */
  function pendingTotpOf(account: MfaAccount): { secret: string; uri: string } | undefined {
    if (account.method !== null || account.pendingTotpSealed === null || account.pendingTotpCreatedAt === null) return undefined;
    if (deps.clock.now().getTime() - account.pendingTotpCreatedAt.getTime() > PENDING_TOTP_MINUTES * 60_000) return undefined;
    const secret = openSecret(totpKey, account.pendingTotpSealed, account.id);
    return { secret, uri: otpauthUri(secret, account.awsAccountId) };
  }

  /** Wrong codes count like wrong passwords: per account and per address, counted before the check. */
  async function throttled<T>(accountId: string, client: ClientInfo, check: (account: MfaAccount) => Promise<CodeResult<T>>): Promise<CodeResult<T>> {
    const account = await loadAccount(accountId);
    // The AWS account ID goes in the audit entries too, as for sign_in.failed: the audit log is searched by it.
    const auditFailure = (details: Record<string, unknown>) =>
      deps.audit.record({ event: 'mfa.challenge_failed', actor: 'anonymous', awsAccountId: account.awsAccountId, ip: client.ip, details: { accountId, ...details } });
    const now = deps.clock.now();
    const attempt = await throttledCheck(deps.throttle, now, { accountKey: `mfa:${accountId}`, ip: client.ip }, () => check(account));
    if (attempt.locked) {
      await auditFailure({ lockedUntil: attempt.retryAt.toISOString() });
      return { ok: false, message: lockoutMessage(attempt.retryAt, now), locked: true };
    }
    if (!attempt.result.ok) await auditFailure({});
    return attempt.result;
  }

  async function checkCode(account: MfaAccount, input: string, options: CodeOptions, client: ClientInfo): Promise<CodeResult<{ via: 'totp' | 'email' | 'recovery' }>> {
    const code = input.trim();
    const now = deps.clock.now();
    if (options.acceptRecovery && looksLikeRecoveryCode(code)) {
      const normalised = normaliseRecoveryCode(code) ?? '';
      if (!(await repo.spendRecoveryCode(account.id, recoveryHash(account.id, normalised), now))) return { ok: false, message: 'That recovery code is not valid, or it was already used.' };
      await deps.audit.record({ event: 'mfa.recovery_code_used', actor: `account:${account.awsAccountId}`, awsAccountId: account.awsAccountId, ip: client.ip });
      return { ok: true, via: 'recovery' };
    }
    const digits = code.replace(/\s+/g, '');
    if (!/^\d{6}$/.test(digits)) return { ok: false, message: options.acceptRecovery ? 'Enter the 6-digit code, or one of your recovery codes.' : 'Enter the 6-digit code.' };
    if (options.acceptTotp && account.method === 'totp' && account.totpSecretSealed !== null) {
      const step = matchTotpStep(openSecret(totpKey, account.totpSecretSealed, account.id), digits, now);
      if (step === undefined) return { ok: false, message: 'That code is not correct. Enter the current code from your authenticator app.' };
      if (!(await accounts.claimTotpStep(account.id, step))) return { ok: false, message: 'That code was already used. Wait for the next code from your authenticator app.' };
      return { ok: true, via: 'totp' };
    }
    const check = await emailCodes.check(account.id, options.emailPurpose, emailCodeHash(account.id, options.emailPurpose, digits), now);
    return check.ok ? { ok: true, via: 'email' } : { ok: false, message: EMAIL_CODE_MESSAGES[check.reason] };
  }

  /** Ends the other sessions, tells the user by email and audits: in the transaction that turned MFA on or off. */
  async function recordMfaChange(account: MfaAccount, change: 'enabled' | 'disabled', method: MfaMethod, keepToken: string, client: ClientInfo, trx: Db): Promise<void> {
    await deps.sessions.invalidateOthers(account.id, keepToken, trx);
    await deps.mailer.enqueue(mfaChangedEmail(account.email, account.awsAccountId, change, method, settingsUrl), trx);
    await deps.audit.record({ event: change === 'enabled' ? 'mfa.enabled' : 'mfa.disabled', actor: `account:${account.awsAccountId}`, awsAccountId: account.awsAccountId, ip: client.ip, details: { method } }, trx);
  }

  async function storeNewRecoveryCodes(accountId: string, trx: Db): Promise<string[]> {
    const codes = newRecoveryCodes();
    await repo.replaceRecoveryCodes(accountId, codes.map((c) => recoveryHash(accountId, normaliseRecoveryCode(c) ?? c)), deps.clock.now(), trx);
    return codes;
  }

  return {
    method: (accountId: string) => repo.method(accountId),
    deleteOldEmailCodes: () => emailCodes.deleteOlderThan(new Date(deps.clock.now().getTime() - 86_400_000)),

    /** Emails a fresh code for the purpose, unless one was sent less than a minute ago. */
    async sendEmailCode(accountId: string, purpose: EmailCodePurpose): Promise<SendResult> {
      const now = deps.clock.now();
      return deps.db.transaction().execute(async (trx) => {
        // Serialises sends per account, so two clicks cannot both pass the once-a-minute check.
        const account = await repo.lockAccount(accountId, trx);
        const waitSeconds = await emailCodes.resendWaitSeconds(accountId, purpose, now, trx);
        if (waitSeconds > 0) return { sent: false, waitSeconds };
        const code = newEmailCode();
        const expiresAt = await emailCodes.replace(accountId, purpose, emailCodeHash(accountId, purpose, code), now, trx);
        await deps.mailer.enqueue(verificationCodeEmail(account.email, account.aws_account_id, code, purpose, EMAIL_CODE_VALID_MINUTES, expiresAt), trx);
        return { sent: true };
      });
    },

    /** A code for a sign-in step, a step-up or turning email codes on; throttled like passwords. */
    verifyCode(accountId: string, code: string, options: CodeOptions, client: ClientInfo): Promise<CodeResult<{ via: 'totp' | 'email' | 'recovery' }>> {
      return throttled(accountId, client, (account) => checkCode(account, code, options, client));
    },

    /** Starts (or restarts) authenticator app set-up with a new key, kept encrypted until confirmed. */
    async startTotp(accountId: string): Promise<void> {
      await accounts.setPendingTotp(accountId, sealSecret(totpKey, newTotpSecret(), accountId), deps.clock.now());
    },

    /** The key being set up, for the QR code and manual entry; undefined if none or expired. */
    pendingTotp: async (accountId: string) => pendingTotpOf(await loadAccount(accountId)),

    /** Turns the app on once a current code proves it is set up; returns the recovery codes to show once. */
    confirmTotp(accountId: string, code: string, keepToken: string, client: ClientInfo): Promise<CodeResult<{ recoveryCodes: string[] }>> {
      return throttled(accountId, client, async (account) => {
        if (account.method !== null) return { ok: false, message: 'MFA is already on for this account.' };
        const pending = pendingTotpOf(account);
        if (pending === undefined || account.pendingTotpSealed === null) return { ok: false, message: 'This set-up has expired. Start again to get a new key.' };
        const step = matchTotpStep(pending.secret, code, deps.clock.now());
        if (step === undefined) return { ok: false, message: 'That code is not correct. Enter the current 6-digit code your app shows for WebStream.' };
        const sealed = account.pendingTotpSealed;
        return deps.db.transaction().execute(async (trx) => {
          if (!(await accounts.enableMfa(accountId, { method: 'totp', now: deps.clock.now(), totp: { sealed, step } }, trx))) return { ok: false as const, message: 'MFA is already on for this account.' };
          const recoveryCodes = await storeNewRecoveryCodes(accountId, trx);
          await recordMfaChange(account, 'enabled', 'totp', keepToken, client, trx);
          return { ok: true as const, recoveryCodes };
        });
      });
    },

    /** Turns emailed codes on once the user typed the code sent to the contact address. */
    confirmEmail(accountId: string, code: string, keepToken: string, client: ClientInfo): Promise<CodeResult<{ recoveryCodes: string[] }>> {
      return throttled(accountId, client, async (account) => {
        if (account.method !== null) return { ok: false, message: 'MFA is already on for this account.' };
        const check = await checkCode(account, code, { emailPurpose: 'enable_mfa', acceptTotp: false, acceptRecovery: false }, client);
        if (!check.ok) return check;
        return deps.db.transaction().execute(async (trx) => {
          if (!(await accounts.enableMfa(accountId, { method: 'email', now: deps.clock.now() }, trx))) return { ok: false as const, message: 'MFA is already on for this account.' };
          const recoveryCodes = await storeNewRecoveryCodes(accountId, trx);
          await recordMfaChange(account, 'enabled', 'email', keepToken, client, trx);
          return { ok: true as const, recoveryCodes };
        });
      });
    },

    /** Turns MFA off; needs a current code (app, emailed step-up code, or a recovery code). */
    disable(accountId: string, code: string, keepToken: string, client: ClientInfo): Promise<CodeResult> {
      return throttled(accountId, client, async (account) => {
        const method = account.method;
        if (method === null) return { ok: true };
        const check = await checkCode(account, code, { emailPurpose: 'step_up', acceptTotp: true, acceptRecovery: true }, client);
        if (!check.ok) return check;
        await deps.db.transaction().execute(async (trx) => {
          await accounts.disableMfa(accountId, trx);
          await repo.deleteRecoveryCodes(accountId, trx);
          await recordMfaChange(account, 'disabled', method, keepToken, client, trx);
        });
        return { ok: true };
      });
    },

    /**
     * Staff turn MFA off for a customer who lost their authenticator (no code asked: staff checked who they are,
     * and wrote why). Recovery codes go, every session ends, the customer is told by email, and it is audited.
     */
    async resetByStaff(accountId: string, by: { actor: string; ip: string | null; reason: string }): Promise<{ method: MfaMethod }> {
      const account = await loadAccount(accountId);
      const method = account.method;
      if (method === null) throw new AppError('mfa_not_enabled', 'MFA is not turned on for this account: there is nothing to reset.', 409);
      await deps.db.transaction().execute(async (trx) => {
        await accounts.disableMfa(accountId, trx);
        await repo.deleteRecoveryCodes(accountId, trx);
        await deps.sessions.invalidateAllForAccount(accountId, trx);
        await deps.mailer.enqueue(mfaChangedEmail(account.email, account.awsAccountId, 'disabled', method, settingsUrl), trx);
        await deps.audit.record({ event: 'mfa.reset_by_staff', actor: by.actor, awsAccountId: account.awsAccountId, ip: by.ip, details: { method }, reason: by.reason }, trx);
      });
      return { method };
    },

    /** A new set of recovery codes (the old set stops working); needs a current code. */
    regenerateRecoveryCodes(accountId: string, code: string, client: ClientInfo): Promise<CodeResult<{ recoveryCodes: string[] }>> {
      return throttled(accountId, client, async (account) => {
        if (account.method === null) return { ok: false, message: 'Turn on MFA first: recovery codes belong to it.' };
        const check = await checkCode(account, code, { emailPurpose: 'step_up', acceptTotp: true, acceptRecovery: true }, client);
        if (!check.ok) return check;
        return deps.db.transaction().execute(async (trx) => {
          const recoveryCodes = await storeNewRecoveryCodes(accountId, trx);
          await deps.mailer.enqueue(recoveryCodesRegeneratedEmail(account.email, account.awsAccountId, settingsUrl), trx);
          await deps.audit.record({ event: 'mfa.recovery_codes_regenerated', actor: `account:${account.awsAccountId}`, awsAccountId: account.awsAccountId, ip: client.ip }, trx);
          return { ok: true as const, recoveryCodes };
        });
      });
    },
  };
}

export type MfaService = ReturnType<typeof createMfaService>;
