import type { StaffRole } from '../db/schema.js';
import { AdminLayout, type AdminPageContext } from '../web/admin-layout.js';
import { ErrorSummary, Field, PostForm, SelectField } from '../web/forms.js';
import { TableHead } from '../web/table-head.js';
import { Badge, Day, type Shown } from './admin-table.js';
import { ROLE_LABELS, STAFF_ROLES } from './policy.js';
import { stateOf, statusOf, type StaffMember, type StaffState } from './staff-member.js';

/** Which form failed, so its fields show the errors and take the focus. */
export interface FormProblem {
  form: 'invite' | 'resend-invitation' | 'role' | 'disable' | 'reset-totp' | 'reset-access';
  message: string;
  fields: Record<string, string[]>;
}

const COLUMNS = ['Email', 'Role', 'Status', 'Added', 'Action'] as const;

const STATE_TONES: Record<StaffState, Shown['tone']> = { disabled: 'revoked', active: 'active', invited: 'pending', 'authenticator-reset': 'pending' };

/** The staff member's state in words, coloured. */
function StaffStateBadge({ member }: { member: StaffMember }) {
  return <Badge label={statusOf(member)} tone={STATE_TONES[stateOf(member)]} />;
}



/** A role picker with its label (and errors, linked for screen readers). */
function RoleSelect({ id, value, errors }: { id: string; value: StaffRole; errors?: string[] | undefined }) {
  return <SelectField id={id} name="role" label="Role" value={value} errors={errors} autofocus={errors !== undefined} options={STAFF_ROLES.map((role) => ({ value: role, label: ROLE_LABELS[role] }))} />;
}

/** The admin's own password, asked again before every change to staff (several forms per page: ids by form). */
function YourPassword({ form, problem }: { form: FormProblem['form']; problem: FormProblem | undefined }) {
  const errors = problem?.form === form ? problem.fields.confirmPassword : undefined;
  return <Field id={`${form}-password`} name="confirmPassword" label="Your password" type="password" autocomplete="current-password" hint="Re-enter your own password to confirm this change." errors={errors} autofocus={errors !== undefined} maxLength={1024} />;
}

export function StaffListPage({ ctx, members, canManage, problem, values }: { ctx: AdminPageContext; members: StaffMember[]; canManage: boolean; problem?: FormProblem | undefined; values?: { email: string; role: StaffRole } }) {
  const invite = problem?.form === 'invite' ? problem : undefined;
  return (
    <AdminLayout title="Staff" ctx={ctx}>
      <div class="page-head">
        <h1>Staff</h1>
      </div>
      <ErrorSummary message={problem?.message} />
      <div class="table-wrap">
        <table class="staff">
          <caption class="visually-hidden">Staff accounts of the admin panel</caption>
          <TableHead columns={COLUMNS} />
          <tbody>
            {members.map((m) => (
              <tr key={m.id}>
                <td data-label={COLUMNS[0]}>{m.email}</td>
                <td data-label={COLUMNS[1]}>{ROLE_LABELS[m.role]}</td>
                <td data-label={COLUMNS[2]}>
                  <StaffStateBadge member={m} />
                </td>
                <td data-label={COLUMNS[3]}><Day at={m.createdAt} /></td>
                <td data-label={COLUMNS[4]}>
                  <a href={`/admin/staff/${m.id}`}>
                    {canManage ? 'Manage' : 'View'}
                    <span class="visually-hidden">{` ${m.email}`}</span>
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {canManage ? (
      <section class="panel" aria-labelledby="invite-heading">
        <h2 id="invite-heading">Invite a staff member</h2>
        <p>They get an email with a link (24 hours, single use) to choose a password and set up an authenticator app.</p>
        <PostForm action="/admin/staff/invite" csrfToken={ctx.csrfToken}>
          <Field name="email" label="Email address" type="email" value={values?.email ?? ''} errors={invite?.fields.email} autofocus={invite?.fields.email !== undefined} autocomplete="off" maxLength={254} />
          <RoleSelect id="invite-role" value={values?.role ?? 'support'} errors={invite?.fields.role} />
          <YourPassword form="invite" problem={problem} />
          <button type="submit">Send the invitation</button>
        </PostForm>
      </section>
      ) : null}
    </AdminLayout>
  );
}

/** One staff member, with the changes an admin can make (none to their own account: another admin must). */
export function StaffMemberPage({ ctx, member, self, canManage, problem }: { ctx: AdminPageContext; member: StaffMember; self: boolean; canManage: boolean; problem?: FormProblem | undefined }) {
  const disabled = member.disabledAt !== null;
  return (
    <AdminLayout title={member.email} ctx={ctx}>
      <p>
        <a href="/admin/staff">← All staff</a>
      </p>
      <div class="page-head">
        <h1>{member.email}</h1>
      </div>
      <ErrorSummary message={problem?.message} />
      <section class="panel" aria-labelledby="member-heading">
        <h2 id="member-heading">Account</h2>
        <dl class="facts">
          <dt>Role</dt>
          <dd>{ROLE_LABELS[member.role]}</dd>
          <dt>Status</dt>
          <dd>
            <StaffStateBadge member={member} />
          </dd>
          <dt>Added</dt>
          <dd><Day at={member.createdAt} /></dd>
        </dl>
      </section>
      {!canManage ? null : self ? (
        <p class="hint">This is your own account: another admin must change its role, reset its authenticator or disable it.</p>
      ) : disabled ? (
        <p class="hint">This staff member is disabled: they cannot sign in.</p>
      ) : (
        <>
          <section class="panel" aria-labelledby="role-heading">
            <h2 id="role-heading">Change the role</h2>
            <PostForm action={`/admin/staff/${member.id}/role`} csrfToken={ctx.csrfToken}>
              <RoleSelect id="role-role" value={member.role} />
              <YourPassword form="role" problem={problem} />
              <button type="submit">Change the role</button>
            </PostForm>
          </section>
          {member.invited ? (
            <section class="panel" aria-labelledby="resend-heading">
              <h2 id="resend-heading">Send the invitation again</h2>
              <p>A new link (24 hours, single use) is emailed; the previous one stops working.</p>
              <PostForm action={`/admin/staff/${member.id}/resend-invitation`} csrfToken={ctx.csrfToken}>
                <YourPassword form="resend-invitation" problem={problem} />
                <button type="submit">Send the invitation again</button>
              </PostForm>
            </section>
          ) : (
            <section class="panel" aria-labelledby="totp-heading">
              <h2 id="totp-heading">Reset the authenticator</h2>
              <p>For a lost phone: their sessions are signed out, and they get an email with a link (24 hours) to set up a new authenticator after entering their password.</p>
              <PostForm action={`/admin/staff/${member.id}/reset-totp`} csrfToken={ctx.csrfToken}>
                <YourPassword form="reset-totp" problem={problem} />
                <button type="submit">Reset the authenticator</button>
              </PostForm>
            </section>
          )}
          {member.invited ? null : (
            <section class="panel" aria-labelledby="access-heading">
              <h2 id="access-heading">Reset the password and authenticator</h2>
              <p>For a forgotten password: their sessions are signed out, the authenticator is forgotten, and they get an email with a link (24 hours) to choose a new password and set up a new authenticator.</p>
              <PostForm action={`/admin/staff/${member.id}/reset-access`} csrfToken={ctx.csrfToken}>
                <YourPassword form="reset-access" problem={problem} />
                <button type="submit">Reset the password and authenticator</button>
              </PostForm>
            </section>
          )}
          <section class="panel" aria-labelledby="disable-heading">
            <h2 id="disable-heading">Disable</h2>
            <p>They cannot sign in any more, and every session of theirs ends at once.</p>
            <PostForm action={`/admin/staff/${member.id}/disable`} csrfToken={ctx.csrfToken}>
              <YourPassword form="disable" problem={problem} />
              <button type="submit">
                Disable {member.email}
              </button>
            </PostForm>
          </section>
        </>
      )}
    </AdminLayout>
  );
}
