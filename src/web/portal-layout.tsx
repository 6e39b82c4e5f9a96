import type { ComponentChildren } from 'preact';
import { formatAccountId } from '../core/account-id.js';
import { Layout } from './layout.js';
import type { ViewContext } from './view-context.js';

const PORTAL = { name: 'Licence Portal', home: '/portal/entitlements' };

/** The customer portal's navigation: shown once an account is signed in. */
function PortalNav({ ctx }: { ctx: ViewContext }) {
  if (!ctx.account) return null;
  return (
    <nav class="topnav" aria-label="Account">
      <a href="/portal/entitlements">My Entitlements</a>
      <a href="/portal/settings">Settings</a>
      <span class="account-chip" title="Signed in AWS account">
        {formatAccountId(ctx.account.awsAccountId)}
      </span>
      <form method="post" action="/portal/sign-out" class="inline-form">
        <input type="hidden" name="_csrf" value={ctx.csrfToken} />
        <button type="submit" class="link-button">
          Sign out
        </button>
      </form>
    </nav>
  );
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
