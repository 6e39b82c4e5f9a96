import { Command, InvalidArgumentError } from 'commander';
import type { StaffRole } from '../db/schema.js';
import { isStaffRole, ROLE_LABELS, STAFF_ROLES } from '../admin/policy.js';
import { normaliseStaffEmail } from '../admin/staff-email.js';
import { statusOf, type StaffMember } from '../admin/staff-member.js';
import { parseEmailOption } from './options.js';
import type { TaskRunner } from './task.runner.js';

function parseRole(value: string): StaffRole {
  if (!isStaffRole(value)) throw new InvalidArgumentError(`Expected one of: ${STAFF_ROLES.join(', ')}.`);
  return value;
}

const staffEmail = (value: string) => normaliseStaffEmail(parseEmailOption(value));

/** `admin create|list|disable`: staff accounts of the admin panel (the first admin is created here). */
export function adminCommand(run: TaskRunner): Command {
  const admin = new Command('admin').description('Manage staff accounts of the admin panel (/admin)');

  admin
    .command('create')
    .description('Create a staff account and email a single-use invitation link (24 hours) to choose a password and set up an authenticator app')
    .requiredOption('--email <address>', "the staff member's email address", staffEmail)
    .option('--role <role>', `one of ${STAFF_ROLES.join(', ')}`, parseRole, 'admin')
    .action((options: { email: string; role: StaffRole }) =>
      run(async (services) => {
        const { member, expiresAt } = await services.admin.staff.invite({ email: options.email, role: options.role }, { actor: 'cli' });
        const lines = [
          `Created the staff account ${member.email} (${ROLE_LABELS[member.role]}).`,
          // The link is never printed: only the staff member's mailbox (or, without SMTP, the outbox) sees it.
          `The invitation link was emailed to ${member.email}; it works once, until ${expiresAt.toISOString()}.`,
        ];
        if (services.config.smtpUrl === undefined) {
          lines.push(
            `No SMTP_URL is set: the email is not sent but kept in the outbox, encrypted, until the link expires: read it with 'webstream-portal outbox list' and 'outbox show --id <id>'.${services.config.development ? ' In development it is also printed in the log with LOG_LEVEL=info.' : ''}`,
          );
        }
        process.stdout.write(`${lines.join('\n')}\n`);
      }),
    );

  admin
    .command('list')
    .description('List staff accounts with their role and status')
    .option('--json', 'print JSON instead of a table')
    .action((options: { json?: boolean }) =>
      run(async (services) => {
        const members = await services.admin.staff.list();
        if (options.json === true) {
          process.stdout.write(`${JSON.stringify(members.map((m) => ({ email: m.email, role: m.role, status: statusOf(m), createdAt: m.createdAt, disabledAt: m.disabledAt })), null, 2)}\n`);
          return;
        }
        if (members.length === 0) {
          process.stdout.write("There are no staff accounts. Create the first admin with 'webstream-portal admin create --email <address>'.\n");
          return;
        }
        const rows = members.map((m) => [m.email, m.role, statusOf(m), m.createdAt.toISOString().slice(0, 10)]);
        const header = ['EMAIL', 'ROLE', 'STATUS', 'CREATED'];
        const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
        for (const row of [header, ...rows]) process.stdout.write(`${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()}\n`);
      }),
    );

  admin
    .command('disable')
    .description('Disable a staff account: it cannot sign in, and every session of it ends at once')
    .requiredOption('--email <address>', "the staff member's email address", staffEmail)
    .action((options: { email: string }) =>
      run(async (services) => {
        const member = await staffMemberOrExit(services, options.email);
        if (member === undefined) return;
        await services.admin.staff.disable(member.id, { actor: 'cli' });
        process.stdout.write(`Disabled the staff account ${member.email}; its sessions were signed out.\n`);
      }),
    );

  admin
    .command('reset-access')
    .description('For a forgotten password or a lost authenticator (the last admin included): sign the staff member out and email a link to choose a new password and set up a new authenticator')
    .requiredOption('--email <address>', "the staff member's email address", staffEmail)
    .action((options: { email: string }) =>
      run(async (services) => {
        const member = await staffMemberOrExit(services, options.email);
        if (member === undefined) return;
        const { expiresAt } = await services.admin.staff.resetAccess(member.id, { actor: 'cli' });
        process.stdout.write(`Reset the password and authenticator of ${member.email}; its sessions were signed out. The emailed link works once, until ${expiresAt.toISOString()}.\n`);
      }),
    );

  return admin;
}

/** The staff member the command names, or a message and exit code 1 when there is none. */
async function staffMemberOrExit(services: { admin: { staff: { findByEmail(email: string): Promise<StaffMember | undefined> } } }, email: string): Promise<StaffMember | undefined> {
  const member = await services.admin.staff.findByEmail(email);
  if (member === undefined) {
    process.stderr.write(`No staff account ${email}.\n`);
    process.exitCode = 1;
  }
  return member;
}
