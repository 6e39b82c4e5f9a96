import type { StaffRole } from '../db/schema.js';

/** The staff roles, most powerful first. */
export const STAFF_ROLES: readonly StaffRole[] = ['admin', 'support', 'read-only'];

export const ROLE_LABELS: Record<StaffRole, string> = { admin: 'Admin', support: 'Support', 'read-only': 'Read-only' };

export function isStaffRole(value: unknown): value is StaffRole {
  return typeof value === 'string' && (STAFF_ROLES as readonly string[]).includes(value);
}

/**
 * Everything a staff member may do in the admin panel, one name per action. Every route asks `can` for
 * one of these; the pages ask it too, to hide what the role cannot do.
 */
export const ACTIONS = [
  'dashboard.view',
  'customers.view',
  'customers.create_account',
  'customers.send_reset',
  'customers.reset_mfa',
  'customers.end_sessions',
  'customers.disable',
  'licences.view',
  'licences.issue',
  'licences.approve',
  'licences.reject',
  'licences.suspend',
  'licences.reinstate',
  'licences.renew',
  'licences.amend',
  'licences.revoke',
  'licences.deactivate_instance',
  'marketplace.view',
  'marketplace.reprocess',
  'settings.view',
  'settings.change',
  'audit.view',
  'audit.export',
  'outbox.view',
  'staff.view',
  'staff.manage',
] as const;

export type StaffAction = (typeof ACTIONS)[number];

/** What only looks: read-only gets these, and every role has them (everything but the outbox, whose emails hold customers' links). */
const VIEWS: readonly StaffAction[] = ['dashboard.view', 'customers.view', 'licences.view', 'marketplace.view', 'settings.view', 'audit.view', 'audit.export', 'staff.view'];

/** Support changes customers and licences, short of revoking; never settings, staff, the outbox or Marketplace re-processing. */
const SUPPORT: readonly StaffAction[] = [
  ...VIEWS,
  'customers.create_account',
  'customers.send_reset',
  'customers.reset_mfa',
  'customers.end_sessions',
  'customers.disable',
  'licences.issue',
  'licences.approve',
  'licences.reject',
  'licences.suspend',
  'licences.reinstate',
  'licences.renew',
  'licences.amend',
];

const PERMISSIONS: Record<StaffRole, ReadonlySet<StaffAction>> = {
  admin: new Set(ACTIONS),
  support: new Set(SUPPORT),
  'read-only': new Set(VIEWS),
};

/** Whether a role may do an action. Pure: the one place permissions are decided. */
export function can(role: StaffRole, action: StaffAction): boolean {
  return PERMISSIONS[role].has(action);
}
