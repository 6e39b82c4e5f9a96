import type { ComponentChildren } from 'preact';

/** The part of the site a page belongs to: the customer portal, the admin panel, the API reference. */
export interface SiteArea {
  /** Shown after "WebStream" in the brand and the window title, e.g. "Licence Portal". */
  name: string;
  /** Where the brand leads. */
  home: string;
}

interface LayoutProps {
  title: string;
  area: SiteArea;
  /** The area's own navigation in the top bar (none for a visitor who is not signed in). */
  nav?: ComponentChildren;
  notice?: string | undefined;
  children: ComponentChildren;
  /** Narrow centred card for sign-in style pages. */
  narrow?: boolean;
}

export function Layout({ title, area, nav, notice, children, narrow = false }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · WebStream ${area.name}`}</title>
        <link rel="stylesheet" href="/assets/app.css" />
        <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml" />
      </head>
      <body>
        <a class="skip-link" href="#main">
          Skip to content
        </a>
        <header class="topbar">
          <a class="brand" href={area.home}>
            <span class="brand-mark" aria-hidden="true">
              W
            </span>
            WebStream <span class="brand-sub">{area.name}</span>
          </a>
          {nav ?? null}
        </header>
        <main id="main" class={narrow ? 'container narrow' : 'container'}>
          {notice ? (
            <div class="notice" role="status">
              {notice}
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
