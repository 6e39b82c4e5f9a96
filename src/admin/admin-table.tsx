import { formatDate } from '../web/format.js';

/** A time as the admin tables show it: "22 Nov 2026 14:05 UTC", machine-readable in datetime. */
export function When({ at }: { at: Date }) {
  const iso = at.toISOString();
  return <time dateTime={iso}>{`${formatDate(at)} ${iso.slice(11, 16)} UTC`}</time>;
}

/** Keyset paging links: back to the newest, and on to the next (older) page. */
export function Pager({ label, firstHref, nextHref }: { label: string; firstHref: string | undefined; nextHref: string | undefined }) {
  if (firstHref === undefined && nextHref === undefined) return null;
  return (
    <nav class="pager" aria-label={label}>
      {firstHref === undefined ? null : <a href={firstHref}>← Newest</a>}
      {nextHref === undefined ? null : (
        <a href={nextHref} rel="next">
          Older →
        </a>
      )}
    </nav>
  );
}
