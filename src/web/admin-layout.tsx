import type { ComponentChildren } from 'preact';
import { Layout } from './layout.js';

/** What every admin page needs from the request (the admin panel adds the signed-in staff member). */
export interface AdminViewContext {
  notice: string | undefined;
}

const ADMIN = { name: 'Admin', home: '/admin' };

/**
 * An admin panel page: the shared layout with the admin brand. No navigation yet: no staff member can sign
 * in until the admin panel arrives, and it brings its own links.
 */
export function AdminLayout({ title, ctx, children, narrow = false }: { title: string; ctx: AdminViewContext; children: ComponentChildren; narrow?: boolean }) {
  return (
    <Layout title={title} area={ADMIN} notice={ctx.notice} narrow={narrow}>
      {children}
    </Layout>
  );
}
