import type { ComponentChildren } from 'preact';
import { formatDate } from '../web/format.js';

/** The pieces every admin page writes its tables and facts with, so each shows times, days, states and paging one way. */

/** A time as the admin tables show it: "22 Nov 2026 14:05 UTC", machine-readable in datetime; `empty` where there is none. */
export function When({ at, empty = '—' }: { at: Date | null; empty?: string }) {
  if (at === null) return <span>{empty}</span>;
  const iso = at.toISOString();
  return <time dateTime={iso}>{`${formatDate(at)} ${iso.slice(11, 16)} UTC`}</time>;
}

/** A day without its time ("22 Nov 2026"); `empty` says what no date means where one may be missing. */
export function Day({ at, empty = '—' }: { at: Date | null; empty?: string }) {
  return at === null ? <span>{empty}</span> : <time dateTime={at.toISOString()}>{formatDate(at)}</time>;
}

/** How a state is shown: its words, and the colour of its kind (the `status-*` classes of the stylesheet). */
export interface Shown {
  label: string;
  tone: 'active' | 'pending' | 'expiring' | 'suspended' | 'expired' | 'revoked';
}

/** A coloured state label; the words carry the meaning, the colour only repeats it. */
export function Badge({ label, tone }: Shown) {
  return <span class={`status status-${tone}`}>{label}</span>;
}

/**
 * Paging links: back to the first page, and on to the next. Lists ordered by time say "Newest" and "Older";
 * others (a search) pass their own words.
 */
export function Pager({ label, firstHref, nextHref, firstText = '← Newest', nextText = 'Older →' }: { label: string; firstHref: string | undefined; nextHref: string | undefined; firstText?: string; nextText?: string }) {
  if (firstHref === undefined && nextHref === undefined) return null;
  return (
    <nav class="pager" aria-label={label}>
      {firstHref === undefined ? null : <a href={firstHref}>{firstText}</a>}
      {nextHref === undefined ? null : (
        <a href={nextHref} rel="next">
          {nextText}
        </a>
      )}
    </nav>
  );
}

/** What a list says when it has no rows: a heading that names the case, and what to do about it. */
export function EmptyState({ title, children, id = 'empty-heading' }: { title: ComponentChildren; children: ComponentChildren; id?: string }) {
  return (
    <section class="panel empty" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <p>{children}</p>
    </section>
  );
}
