import type { PasswordHasher } from '../accounts/password.hasher.js';
import { PASSWORDS_DO_NOT_MATCH } from '../accounts/new-password.js';
import { passwordProblems } from '../accounts/password.policy.js';
import type { AuditLog } from '../audit/audit.repo.js';
import type { ClientInfo } from '../core/client-info.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { deriveKey } from '../core/keys.js';
import { openSecret, sealSecret } from '../core/secret-box.js';
import { generateToken, hashToken } from '../core/tokens.js';
import type { Db } from '../db/database.js';
import type { StaffInvitationPurpose, StaffRole } from '../db/schema.js';
import type { Mailer } from '../mail/mailer.js';
import { matchTotpStep, newTotpSecret, otpauthUri } from '../mfa/totp.js';
import { lockoutMessage } from '../throttle/throttle.policy.js';
import { throttledCheck, type ThrottleRepo } from '../throttle/throttle.repo.js';
import { staffEmailOrThrow } from './staff-email.js';
import { staffLinkEmail } from './staff.emails.js';
import type { StaffMember } from './staff-member.js';
import { staffMemberOf, type LiveInvitation, type StaffRepo } from './staff.repo.js';
import type { StaffSessionsRepo } from './staff-sessions.repo.js';

/** How long an invitation (or TOTP re-enrolment) link works. */
export const INVITATION_HOURS = 24;

/** Who makes a change: the CLI ("cli") or a signed-in staff member ("staff:<email>", with their id). */
export interface StaffChangeBy {
  actor: string;
  staffId?: string;
  ip?: string;
}

export const INVITATION_PAGE_PATH = '/admin/invitation';

export type LinkProblem = 'unknown' | 'used' | 'expired';

/** An open link, ready for its page: the key to scan, and whether a new password is to be chosen. */
export interface OpenInvitation {
  purpose: StaffInvitationPurpose;
  email: string;
  role: StaffRole;
  expiresAt: Date;
  secret: string;
  uri: string;
}

export type AcceptResult = { ok: true; email: string } | { ok: false; problem: LinkProblem } | { ok: false; problem: 'invalid'; invitation: OpenInvitation; message: string; fields: Record<string, string[]>; status: number };

/**
 * Staff accounts: invitations and their acceptance (a password and an authenticator, before anything
 * else), roles, disabling and TOTP resets. Every change is audited in its transaction.
 */
export function createStaffService(deps: {
  db: Db;
  clock: Clock;
  hasher: PasswordHasher;
  staff: StaffRepo;
  staffSessions: StaffSessionsRepo;
  throttle: ThrottleRepo;
  mailer: Mailer;
  audit: AuditLog;
  secretKey: string;
  publicUrl: URL;
}) {
  const { staff: repo } = deps;
  const totpKey = deriveKey(deps.secretKey, 'staff-totp-secret');
  // The key is bound to the staff member: a ciphertext copied onto another row does not open.
  const bound = (staffId: string) => `staff:${staffId}`;

  /** A new single-use link for the staff member, emailed; in the caller's transaction. */
  async function sendLink(member: { id: string; email: string; role: StaffRole }, purpose: StaffInvitationPurpose, by: StaffChangeBy, trx: Db): Promise<Date> {
    const token = generateToken();
    const now = deps.clock.now();
    const expiresAt = new Date(now.getTime() + INVITATION_HOURS * 3_600_000);
    await repo.replaceInvitation({ staffId: member.id, tokenHash: hashToken(token), purpose, now, expiresAt }, trx);
    const url = new URL(INVITATION_PAGE_PATH, deps.publicUrl);
    url.searchParams.set('token', token);
    await deps.mailer.enqueue(staffLinkEmail(member.email, purpose, member.role, url.toString(), expiresAt), trx);
    await deps.audit.record({ event: 'staff.invitation_sent', actor: by.actor, ip: by.ip ?? null, details: { staffEmail: member.email, purpose, expiresAt: expiresAt.toISOString() } }, trx);
    return expiresAt;
  }

  /** The staff member a change is about, locked; refuses changes an admin must not make to themself. */
  async function lockTarget(staffId: string, by: StaffChangeBy, trx: Db, what: string) {
    const target = await repo.lockById(staffId, trx);
    if (target === undefined) throw new AppError('not_found', 'There is no such staff member.', 404);
    if (by.staffId === staffId) throw new AppError('own_account', `You cannot ${what} your own account. Ask another admin.`, 409);
    return target;
  }

  /** At least one enabled admin who can sign in always remains: otherwise nobody could manage staff or settings. */
  async function keepAnAdmin(target: { role: StaffRole; disabled_at: Date | null; password_hash: string | null }, trx: Db): Promise<void> {
    if (target.role === 'admin' && target.disabled_at === null && target.password_hash !== null && (await repo.countActiveAdmins(trx)) <= 1) {
      throw new AppError('last_admin', 'This is the only enabled admin: invite or promote another admin first.', 409);
    }
  }

  async function openInvitation(token: string): Promise<{ ok: true; invitation: LiveInvitation; open: OpenInvitation } | { ok: false; problem: LinkProblem }> {
    const found = await repo.findInvitation(hashToken(token), deps.clock.now());
    if (!found.ok) return { ok: false, problem: found.reason };
    let invitation = found.invitation;
    if (invitation.pendingTotpSealed === null) {
      await repo.setPendingTotp(invitation.id, sealSecret(totpKey, newTotpSecret(), bound(invitation.staff.id)));
      // Read again: of two tabs opening the link at once, both show the key that was stored first.
      const again = await repo.findInvitation(hashToken(token), deps.clock.now());
      if (!again.ok) return { ok: false, problem: again.reason };
      invitation = again.invitation;
    }
    const secret = openSecret(totpKey, invitation.pendingTotpSealed ?? '', bound(invitation.staff.id));
    const { email, role } = invitation.staff;
    return { ok: true, invitation, open: { purpose: invitation.purpose, email, role, expiresAt: invitation.expiresAt, secret, uri: otpauthUri(secret, email) } };
  }

  return {
    async list(): Promise<StaffMember[]> {
      return (await repo.list()).map(staffMemberOf);
    },

    async find(staffId: string): Promise<StaffMember | undefined> {
      const row = await repo.findById(staffId);
      return row && staffMemberOf(row);
    },

    /** Creates a staff account and emails its invitation link (24 hours, single use). */
    async invite(input: { email: string; role: StaffRole }, by: StaffChangeBy): Promise<{ member: StaffMember; expiresAt: Date }> {
      const email = staffEmailOrThrow(input.email);
      return deps.db.transaction().execute(async (trx) => {
        const row = await repo.insert({ email, role: input.role, now: deps.clock.now(), createdBy: by.actor }, trx);
        if (row === undefined) throw new AppError('staff_exists', 'There is already a staff account with this email address.', 409, { email: ['There is already a staff account with this email address.'] });
        await deps.audit.record({ event: 'staff.created', actor: by.actor, ip: by.ip ?? null, details: { staffEmail: email, role: input.role } }, trx);
        const expiresAt = await sendLink(row, 'invite', by, trx);
        return { member: staffMemberOf(row), expiresAt };
      });
    },

    async changeRole(staffId: string, role: StaffRole, by: StaffChangeBy): Promise<StaffMember> {
      return deps.db.transaction().execute(async (trx) => {
        const target = await lockTarget(staffId, by, trx, 'change the role of');
        if (target.role === role) return staffMemberOf(target);
        if (role !== 'admin') await keepAnAdmin(target, trx);
        await repo.setRole(staffId, role, trx);
        await deps.audit.record({ event: 'staff.role_changed', actor: by.actor, ip: by.ip ?? null, details: { staffEmail: target.email, from: target.role, to: role } }, trx);
        return staffMemberOf({ ...target, role });
      });
    },

    /** Disables a staff member: every session ends at once and any open link stops working. */
    async disable(staffId: string, by: StaffChangeBy): Promise<StaffMember> {
      return deps.db.transaction().execute(async (trx) => {
        const target = await lockTarget(staffId, by, trx, 'disable');
        if (target.disabled_at !== null) return staffMemberOf(target);
        await keepAnAdmin(target, trx);
        const now = deps.clock.now();
        await repo.disable(staffId, now, trx);
        const sessionsEnded = await deps.staffSessions.endAllForStaff(staffId, now, trx);
        await repo.revokeInvitations(staffId, now, trx);
        await deps.audit.record({ event: 'staff.disabled', actor: by.actor, ip: by.ip ?? null, details: { staffEmail: target.email, sessionsEnded } }, trx);
        return staffMemberOf({ ...target, disabled_at: now });
      });
    },

    /** The CLI's handle on a staff member. */
    async findByEmail(email: string): Promise<StaffMember | undefined> {
      const row = await repo.findByEmail(staffEmailOrThrow(email));
      return row && staffMemberOf(row);
    },

    /**
     * Forgets the staff member's authenticator (a lost phone): their sessions end, and a link (24 hours)
     * lets them set up a new one after entering their current password. Before they accept the invitation,
     * this sends the invitation again.
     */
    async resetTotp(staffId: string, by: StaffChangeBy): Promise<{ expiresAt: Date }> {
      return deps.db.transaction().execute(async (trx) => {
        const target = await lockTarget(staffId, by, trx, 'reset the authenticator of');
        if (target.disabled_at !== null) throw new AppError('staff_disabled', 'This staff member is disabled.', 409);
        const now = deps.clock.now();
        await repo.clearTotp(staffId, trx);
        const sessionsEnded = await deps.staffSessions.endAllForStaff(staffId, now, trx);
        await deps.audit.record({ event: 'staff.totp_reset', actor: by.actor, ip: by.ip ?? null, details: { staffEmail: target.email, sessionsEnded } }, trx);
        const expiresAt = await sendLink(target, target.password_hash === null ? 'invite' : 'totp_reset', by, trx);
        return { expiresAt };
      });
    },

    /**
     * For a forgotten password: the authenticator is forgotten too and their sessions end, and a link (24 hours)
     * lets them choose a new password and set up a new authenticator. The old password keeps nobody in: without
     * an authenticator it signs nobody in.
     */
    async resetAccess(staffId: string, by: StaffChangeBy): Promise<{ expiresAt: Date }> {
      return deps.db.transaction().execute(async (trx) => {
        const target = await lockTarget(staffId, by, trx, 'reset the password of');
        if (target.disabled_at !== null) throw new AppError('staff_disabled', 'This staff member is disabled.', 409);
        const now = deps.clock.now();
        await repo.clearTotp(staffId, trx);
        const sessionsEnded = await deps.staffSessions.endAllForStaff(staffId, now, trx);
        await deps.audit.record({ event: 'staff.access_reset', actor: by.actor, ip: by.ip ?? null, details: { staffEmail: target.email, sessionsEnded } }, trx);
        const expiresAt = await sendLink(target, target.password_hash === null ? 'invite' : 'recovery', by, trx);
        return { expiresAt };
      });
    },

    /** A new invitation link for someone who has not accepted theirs (lost or expired); the old link stops working. */
    async resendInvitation(staffId: string, by: StaffChangeBy): Promise<{ expiresAt: Date }> {
      return deps.db.transaction().execute(async (trx) => {
        const target = await lockTarget(staffId, by, trx, 'resend the invitation of');
        if (target.disabled_at !== null) throw new AppError('staff_disabled', 'This staff member is disabled.', 409);
        if (target.password_hash !== null) throw new AppError('already_accepted', 'This staff member has already accepted the invitation.', 409);
        return { expiresAt: await sendLink(target, 'invite', by, trx) };
      });
    },

    /** The invitation page's content, or why the link does not open. */
    async invitationPage(token: string): Promise<{ ok: true; invitation: OpenInvitation } | { ok: false; problem: LinkProblem }> {
      const opened = await openInvitation(token);
      return opened.ok ? { ok: true, invitation: opened.open } : opened;
    },

    /**
     * Accepts a link: a new password (invitation) or the current one (TOTP reset), and a current code from
     * the authenticator just set up. The link is spent in the same transaction: it works once.
     */
    async acceptInvitation(token: string, input: { password: string; passwordConfirm?: string | undefined; code: string }, client: ClientInfo): Promise<AcceptResult> {
      const opened = await openInvitation(token);
      if (!opened.ok) return opened;
      const { invitation, open } = opened;
      const member = invitation.staff;
      const invalid = (message: string, fields: Record<string, string[]>, status = 400): AcceptResult => ({ ok: false, problem: 'invalid', invitation: open, message, fields, status });
      const fields: Record<string, string[]> = {};
      let passwordHash: string | undefined;

      // An invitation and a recovery choose a new password; a TOTP reset proves the current one.
      if (invitation.purpose !== 'totp_reset') {
        const problems = passwordProblems(input.password, { accountId: '', email: member.email });
        if (problems.length > 0) fields.password = problems;
        if (input.password !== input.passwordConfirm) fields.passwordConfirm = [PASSWORDS_DO_NOT_MATCH];
      }
      const step = matchTotpStep(open.secret, input.code, deps.clock.now());
      if (step === undefined) fields.code = ['That code is not correct. Enter the current 6-digit code your app shows for WebStream Admin.'];
      if (Object.keys(fields).length > 0) return invalid('Please correct the highlighted fields.', fields);

      if (invitation.purpose === 'totp_reset') {
        // The current password proves the person, as well as the mailbox; wrong ones count like sign-in failures.
        const now = deps.clock.now();
        const check = await throttledCheck(deps.throttle, now, { accountKey: `staff-password:${member.id}`, ip: client.ip }, async () => ({ ok: member.password_hash !== null && (await deps.hasher.verify(member.password_hash, input.password)) }));
        if (check.locked) return invalid(lockoutMessage(check.retryAt, now, 'wrong passwords'), {}, 429);
        if (!check.result.ok) {
          await deps.audit.record({ event: 'staff.password_check_failed', actor: 'anonymous', ip: client.ip, details: { staffEmail: member.email, where: 'totp_reset' } });
          return invalid('Please correct the highlighted fields.', { password: ['That is not your current password.'] }, 401);
        }
      } else {
        passwordHash = await deps.hasher.hash(input.password);
      }

      const sealed = invitation.pendingTotpSealed ?? '';
      const spent = await deps.db.transaction().execute(async (trx) => {
        if (!(await repo.spendInvitation(invitation.id, deps.clock.now(), trx))) return false;
        await repo.completeEnrolment(member.id, { ...(passwordHash === undefined ? {} : { passwordHash }), totpSealed: sealed, step: step ?? 0, now: deps.clock.now() }, trx);
        await deps.audit.record({ event: 'staff.enrolled', actor: `staff:${member.email}`, ip: client.ip, details: { purpose: invitation.purpose, role: member.role } }, trx);
        return true;
      });
      return spent ? { ok: true, email: member.email } : { ok: false, problem: 'used' };
    },

    /** For the sign-in step: opens the stored key of an enrolled staff member. */
    totpSecretOf(member: { id: string; totp_secret_enc: string | null }): string | undefined {
      return member.totp_secret_enc === null ? undefined : openSecret(totpKey, member.totp_secret_enc, bound(member.id));
    },

  };
}

export type StaffService = ReturnType<typeof createStaffService>;
