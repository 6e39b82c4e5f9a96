/** A link of an area's top navigation. */
export interface NavLink {
  href: string;
  label: string;
}

/**
 * The signed-in top bar of the portal and of the admin panel: the area's links (the page's own marked as
 * current), who is signed in, and the sign-out form (a POST: signing out changes state).
 */
export function TopNav(props: { label: string; links: readonly NavLink[]; currentPath: string | undefined; who: string; whoTitle: string; signOutAction: string; csrfToken: string | undefined }) {
  return (
    <nav class="topnav" aria-label={props.label}>
      {props.links.map((link) => (
        <a key={link.href} href={link.href} aria-current={props.currentPath === link.href ? 'page' : undefined}>
          {link.label}
        </a>
      ))}
      <span class="account-chip" title={props.whoTitle}>
        {props.who}
      </span>
      {props.csrfToken === undefined ? null : (
        <form method="post" action={props.signOutAction} class="inline-form">
          <input type="hidden" name="_csrf" value={props.csrfToken} />
          <button type="submit" class="link-button">
            Sign out
          </button>
        </form>
      )}
    </nav>
  );
}
