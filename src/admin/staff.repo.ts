import type { Db } from '../db/database.js';
import type { StaffAccountRow, StaffInvitationPurpose, StaffRole } from '../db/schema.js';
import type { StaffMember } from './staff-member.js';

export function staffMemberOf(row: Pick<StaffAccountRow, 'id' | 'email' | 'role' | 'password_hash' | 'totp_enrolled_at' | 'disabled_at' | 'created_at'>): StaffMember {
  return { id: row.id, email: row.email, role: row.role, active: row.password_hash !== null && row.totp_enrolled_at !== null, invited: row.password_hash === null, totpEnrolledAt: row.totp_enrolled_at, disabledAt: row.disabled_at, createdAt: row.created_at };
}

/** An open invitation link with the staff member it is for. */
export interface LiveInvitation {
  id: string;
  purpose: StaffInvitationPurpose;
  pendingTotpSealed: string | null;
  expiresAt: Date;
  staff: StaffAccountRow;
}

/** staff_accounts and staff_invitations (migration 0015). */
export function createStaffRepo(db: Db) {
  return {
    findByEmail(email: string, trx: Db = db): Promise<StaffAccountRow | undefined> {
      return trx.selectFrom('staff_accounts').selectAll().where('email', '=', email).executeTakeFirst();
    },

    findById(id: string, trx: Db = db): Promise<StaffAccountRow | undefined> {
      return trx.selectFrom('staff_accounts').selectAll().where('id', '=', id).executeTakeFirst();
    },

    /** The row locked until the transaction ends: changes to one staff member are serialised. */
    lockById(id: string, trx: Db): Promise<StaffAccountRow | undefined> {
      return trx.selectFrom('staff_accounts').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    },

    /** Undefined when the address is taken (the unique constraint decides, not a prior read). */
    async insert(values: { email: string; role: StaffRole; now: Date; createdBy: string }, trx: Db = db): Promise<StaffAccountRow | undefined> {
      return trx
        .insertInto('staff_accounts')
        .values({ email: values.email, role: values.role, created_at: values.now, created_by: values.createdBy })
        .onConflict((oc) => oc.constraint('staff_accounts_email').doNothing())
        .returningAll()
        .executeTakeFirst();
    },

    list(trx: Db = db): Promise<StaffAccountRow[]> {
      return trx.selectFrom('staff_accounts').selectAll().orderBy('email').execute();
    },

    async countActiveAdmins(trx: Db = db): Promise<number> {
      const row = await trx
        .selectFrom('staff_accounts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('role', '=', 'admin')
        .where('disabled_at', 'is', null)
        // Only those who accepted their invitation can sign in and manage anything.
        .where('password_hash', 'is not', null)
        .executeTakeFirstOrThrow();
      return row.n;
    },

    async setRole(id: string, role: StaffRole, trx: Db = db): Promise<void> {
      await trx.updateTable('staff_accounts').set({ role }).where('id', '=', id).execute();
    },

    async disable(id: string, now: Date, trx: Db = db): Promise<boolean> {
      const result = await trx.updateTable('staff_accounts').set({ disabled_at: now }).where('id', '=', id).where('disabled_at', 'is', null).executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async clearTotp(id: string, trx: Db = db): Promise<void> {
      await trx.updateTable('staff_accounts').set({ totp_secret_enc: null, totp_enrolled_at: null, totp_last_step: null }).where('id', '=', id).execute();
    },

    /** The invitation's outcome: a password (unless kept) and a confirmed authenticator key. */
    async completeEnrolment(id: string, values: { passwordHash?: string; totpSealed: string; step: number; now: Date }, trx: Db): Promise<void> {
      await trx
        .updateTable('staff_accounts')
        .set({
          ...(values.passwordHash === undefined ? {} : { password_hash: values.passwordHash, password_changed_at: values.now }),
          totp_secret_enc: values.totpSealed,
          totp_enrolled_at: values.now,
          totp_last_step: values.step,
        })
        .where('id', '=', id)
        .execute();
    },

    /** Accepts a code's time step once: false if this step (or a later one) was already used. */
    async claimTotpStep(id: string, step: number, trx: Db = db): Promise<boolean> {
      const result = await trx
        .updateTable('staff_accounts')
        .set({ totp_last_step: step })
        .where('id', '=', id)
        .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', String(step))]))
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    // --- Invitations -------------------------------------------------------------------------------

    /** A new link for the staff member; any link still open for them stops working. */
    async replaceInvitation(values: { staffId: string; tokenHash: string; purpose: StaffInvitationPurpose; now: Date; expiresAt: Date }, trx: Db): Promise<void> {
      await trx.updateTable('staff_invitations').set({ revoked_at: values.now }).where('staff_id', '=', values.staffId).where('used_at', 'is', null).where('revoked_at', 'is', null).execute();
      await trx
        .insertInto('staff_invitations')
        .values({ token_hash: values.tokenHash, staff_id: values.staffId, purpose: values.purpose, created_at: values.now, expires_at: values.expiresAt })
        .execute();
    },

    async revokeInvitations(staffId: string, now: Date, trx: Db = db): Promise<void> {
      await trx.updateTable('staff_invitations').set({ revoked_at: now }).where('staff_id', '=', staffId).where('used_at', 'is', null).where('revoked_at', 'is', null).execute();
    },

    /** Why a link does not open, or the open link with its staff member. */
    async findInvitation(tokenHash: string, now: Date, trx: Db = db): Promise<{ ok: true; invitation: LiveInvitation } | { ok: false; reason: 'unknown' | 'used' | 'expired' }> {
      const row = await trx
        .selectFrom('staff_invitations as i')
        .innerJoin('staff_accounts as s', 's.id', 'i.staff_id')
        .select(['i.id as invitation_id', 'i.purpose', 'i.pending_totp_secret_enc', 'i.expires_at', 'i.used_at', 'i.revoked_at'])
        .selectAll('s')
        .where('i.token_hash', '=', tokenHash)
        .executeTakeFirst();
      if (row === undefined) return { ok: false, reason: 'unknown' };
      if (row.used_at !== null) return { ok: false, reason: 'used' };
      // A replaced link, a disabled staff member's link or a lapsed one: all simply no longer work.
      if (row.revoked_at !== null || row.disabled_at !== null || row.expires_at <= now) return { ok: false, reason: 'expired' };
      const { invitation_id, purpose, pending_totp_secret_enc, expires_at, used_at: _used, revoked_at: _revoked, ...staff } = row;
      return { ok: true, invitation: { id: invitation_id, purpose, pendingTotpSealed: pending_totp_secret_enc, expiresAt: expires_at, staff } };
    },

    /** Keeps the key shown on the invitation page, so a reload shows the same one. Only the first write wins. */
    async setPendingTotp(invitationId: string, sealed: string, trx: Db = db): Promise<void> {
      await trx.updateTable('staff_invitations').set({ pending_totp_secret_enc: sealed }).where('id', '=', invitationId).where('pending_totp_secret_enc', 'is', null).execute();
    },

    /** Spends the link: true exactly once, and only while it is open. */
    async spendInvitation(invitationId: string, now: Date, trx: Db): Promise<boolean> {
      const result = await trx
        .updateTable('staff_invitations')
        .set({ used_at: now })
        .where('id', '=', invitationId)
        .where('used_at', 'is', null)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
  };
}

export type StaffRepo = ReturnType<typeof createStaffRepo>;
