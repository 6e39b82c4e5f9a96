import type { ComponentChildren } from 'preact';
import { Layout } from './layout.js';
import { TopNav, type NavLink } from './top-nav.js';

/** A link of the admin panel's navigation; the admin panel decides which ones a staff member sees. */
export type AdminNavLink = NavLink;

/** What every admin page needs from the request: the signed-in staff member (if any), their links and a notice. */
export interface AdminViewContext {
  notice: string | undefined;
  /** For the sign-out form in the top bar. */
  csrfToken?: string;
  staff?: { email: string; roleLabel: string };
  nav?: readonly AdminNavLink[];
  /** The path of the page, to mark its link as the current one. */
  currentPath?: string;
}

/** What a signed-in admin page has: the context and the CSRF token of its forms. */
export type AdminPageContext = AdminViewContext & { csrfToken: string };

const ADMIN = { name: 'Admin', home: '/admin' };

function AdminNav({ ctx }: { ctx: AdminViewContext }) {
  if (ctx.staff === undefined) return null;
  return <TopNav label="Admin panel" links={ctx.nav ?? []} currentPath={ctx.currentPath} who={`${ctx.staff.email} · ${ctx.staff.roleLabel}`} whoTitle="Signed in staff member" signOutAction="/admin/sign-out" csrfToken={ctx.csrfToken} />;
}

/** An admin panel page: the shared layout with the admin brand and, once a staff member is signed in, their navigation. */
export function AdminLayout({ title, ctx, children, narrow = false }: { title: string; ctx: AdminViewContext; children: ComponentChildren; narrow?: boolean }) {
  const area = { ...ADMIN, home: ctx.staff === undefined ? '/admin/sign-in' : '/admin/' };
  return (
    <Layout title={title} area={area} nav={<AdminNav ctx={ctx} />} notice={ctx.notice} narrow={narrow}>
      {children}
    </Layout>
  );
}
