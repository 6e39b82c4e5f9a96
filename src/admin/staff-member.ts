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

export type StaffState = 'disabled' | 'active' | 'invited' | 'authenticator-reset';

/** Where a staff member stands: disabled first, then signed up, invited, or waiting to set up a new authenticator. */
export function stateOf(member: StaffMember): StaffState {
  if (member.disabledAt !== null) return 'disabled';
  if (member.active) return 'active';
  return member.invited ? 'invited' : 'authenticator-reset';
}

const STATE_LABELS: Record<StaffState, string> = { disabled: 'Disabled', active: 'Active', invited: 'Invited', 'authenticator-reset': 'Authenticator reset: set-up pending' };

/** A staff member's status, in words (the staff page and `admin list`). */
export function statusOf(member: StaffMember): string {
  return STATE_LABELS[stateOf(member)];
}
