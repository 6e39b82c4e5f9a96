import type { ComponentChildren } from 'preact';
import { formatAccountId } from '../core/account-id.js';
import { Layout } from './layout.js';
import { TopNav, type NavLink } from './top-nav.js';
import type { ViewContext } from './view-context.js';

const PORTAL = { name: 'Licence Portal', home: '/portal/entitlements' };

const PORTAL_LINKS: readonly NavLink[] = [
  { href: '/portal/entitlements', label: 'My Entitlements' },
  { href: '/portal/settings', label: 'Settings' },
];

/** The customer portal's navigation: shown once an account is signed in. */
function PortalNav({ ctx }: { ctx: ViewContext }) {
  if (!ctx.account) return null;
  return <TopNav label="Account" links={PORTAL_LINKS} currentPath={ctx.currentPath} who={formatAccountId(ctx.account.awsAccountId)} whoTitle="Signed in AWS account" signOutAction="/portal/sign-out" csrfToken={ctx.csrfToken} />;
}

/** A customer portal page: the shared layout with the portal's brand link and navigation. */
export function PortalLayout({ title, ctx, children, narrow = false }: { title: string; ctx: ViewContext; children: ComponentChildren; narrow?: boolean }) {
  const area = { ...PORTAL, home: ctx.account ? PORTAL.home : '/portal/sign-in' };
  return (
    <Layout title={title} area={area} nav={<PortalNav ctx={ctx} />} notice={ctx.notice} narrow={narrow}>
      {children}
    </Layout>
  );
}
