import type { ComponentChildren } from 'preact';
import { formatAccountId } from '../core/account-id.js';
import type { ViewContext } from './view-context.js';

interface LayoutProps {
  title: string;
  ctx: ViewContext;
  children: ComponentChildren;
  /** Narrow centred card for sign-in style pages. */
  narrow?: boolean;
}

export function Layout({ title, ctx, children, narrow = false }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · WebStream Licence Portal`}</title>
        <link rel="stylesheet" href="/assets/app.css" />
        <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml" />
      </head>
      <body>
        <a class="skip-link" href="#main">
          Skip to content
        </a>
        <header class="topbar">
          <a class="brand" href={ctx.account ? '/portal/entitlements' : '/portal/sign-in'}>
            <span class="brand-mark" aria-hidden="true">
              W
            </span>
            WebStream <span class="brand-sub">Licence Portal</span>
          </a>
          {ctx.account ? (
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
          ) : null}
        </header>
        <main id="main" class={narrow ? 'container narrow' : 'container'}>
          {ctx.notice ? (
            <div class="notice" role="status">
              {ctx.notice}
            </div>
          ) : null}
          {children}
        </main>
        <footer class="footer">
          <p>WebStream Licence Portal · Need help? Contact your WebStream account team.</p>
        </footer>
      </body>
    </html>
  );
}
