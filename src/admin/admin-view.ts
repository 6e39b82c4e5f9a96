import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AdminNavLink, AdminPageContext, AdminViewContext } from '../web/admin-layout.js';
import { can, isStaffRole, ROLE_LABELS, type StaffAction } from './policy.js';

/** The admin panel's sections, each shown only to roles that may open it. */
const SECTIONS: readonly (AdminNavLink & { action: StaffAction })[] = [
  { href: '/admin/', label: 'Dashboard', action: 'dashboard.view' },
  { href: '/admin/customers', label: 'Customers', action: 'customers.view' },
  { href: '/admin/licences', label: 'Licences', action: 'licences.view' },
  { href: '/admin/marketplace', label: 'Marketplace', action: 'marketplace.view' },
  { href: '/admin/audit', label: 'Audit log', action: 'audit.view' },
  { href: '/admin/outbox', label: 'Outbox', action: 'outbox.view' },
  { href: '/admin/settings', label: 'Settings', action: 'settings.view' },
  { href: '/admin/staff', label: 'Staff', action: 'staff.view' },
];

/** Notices after a redirect, picked by code (a link cannot put words on an admin page). */
const NOTICES: Record<string, string> = {
  'signed-out': 'You have signed out of the admin panel.',
  'signed-out-everywhere': 'Every session of your staff account has been signed out, this one included.',
  'session-ended': 'Your admin session has ended (30 minutes without activity, 12 hours after sign-in, or signed out elsewhere). Please sign in again.',
  enrolled: 'Your staff account is ready: your password and authenticator are set. Sign in to continue.',
  'staff-invited': 'The invitation was emailed. The link works once, for 24 hours.',
  'invitation-resent': 'A new invitation was emailed (24 hours, single use); the previous link no longer works.',
  'role-changed': 'The role was changed.',
  'staff-disabled': 'The staff member was disabled and every session of theirs was signed out.',
  'access-reset': 'The password and authenticator were reset: their sessions were signed out and a link to choose a new password and set up a new authenticator was emailed (24 hours).',
  'settings-saved': 'The settings were saved: they apply at once here and within 5 seconds in every other portal process. Each change is in the audit log.',
  'settings-unchanged': 'Nothing was changed: the form matched the current settings.',
  'notification-reprocessed': 'The notification was processed again; its new status and outcome are below.',
  'licence-issued': 'The licence was issued; it is active.',
  'licence-approve': 'The request was approved; the licence is active.',
  'licence-reject': 'The request was rejected.',
  'licence-suspend': 'The licence was suspended.',
  'licence-reinstate': 'The licence was reinstated; it is active again.',
  'licence-renew': 'The licence was renewed with its new end date.',
  'licence-amend': 'The seats were changed.',
  'licence-revoked': 'The licence was revoked.',
  'instance-deactivated': 'The instance was deactivated; its seat is free.',
  'totp-reset': 'The authenticator was reset: their sessions were signed out and a link to set up a new one was emailed (24 hours).',
  'customer-account-created': 'The portal account was created. The one-time password was emailed to the customer (valid 7 days); they choose a new password at first sign-in.',
  'customer-reset-sent': 'A password reset link was emailed to the customer (valid 45 minutes).',
  'customer-sessions-ended': 'Every session of the customer was ended: they are signed out everywhere.',
  'customer-mfa-reset': 'MFA was reset: it is off, the recovery codes no longer work, the customer was signed out and told by email.',
  'customer-disabled': 'The portal account was disabled: the customer cannot sign in, and every session of theirs ended. Their licences are unchanged.',
  'customer-enabled': 'The portal account was re-enabled: the customer can sign in again.',
};

export function adminNotice(code: unknown): string | undefined {
  return typeof code === 'string' ? NOTICES[code] : undefined;
}

/** The links a role sees. */
export function navFor(role: unknown): AdminNavLink[] {
  if (!isStaffRole(role)) return [];
  return SECTIONS.filter((s) => can(role, s.action)).map(({ href, label }) => ({ href, label }));
}

/** What every admin page needs: a CSRF token, the signed-in staff member and their links, a notice from ?notice=. */
export function adminView(req: FastifyRequest, reply: FastifyReply): AdminPageContext {
  const query = req.query as { notice?: unknown } | undefined;
  const session = req.staffSession;
  return {
    csrfToken: reply.generateCsrf(),
    notice: adminNotice(query?.notice),
    currentPath: req.url.split('?')[0] ?? req.url,
    ...(session === undefined || !isStaffRole(session.role) ? {} : { staff: { email: session.email, roleLabel: ROLE_LABELS[session.role] }, nav: navFor(session.role) }),
  };
}

/** For the error pages: the navigation of a signed-in staff member; nothing (and no cookie) for anyone else. */
export function adminErrorView(req: FastifyRequest, reply: FastifyReply): AdminViewContext {
  return req.staffSession === undefined ? { notice: undefined } : { ...adminView(req, reply), notice: undefined };
}
