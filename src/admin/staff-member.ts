import type { StaffRole } from '../db/schema.js';

/** A staff member as the panel lists them (never the password hash or the sealed key). */
export interface StaffMember {
  id: string;
  email: string;
  role: StaffRole;
  /** Has a password and an authenticator: can sign in (unless disabled). */
  active: boolean;
  /** Has not accepted the invitation yet (no password). */
  invited: boolean;
  totpEnrolledAt: Date | null;
  disabledAt: Date | null;
  createdAt: Date;
}

/** A staff member's status, in words (the staff page and `admin list`). */
export function statusOf(member: StaffMember): string {
  if (member.disabledAt !== null) return 'Disabled';
  if (member.active) return 'Active';
  return member.invited ? 'Invited' : 'Authenticator reset: set-up pending';
}
