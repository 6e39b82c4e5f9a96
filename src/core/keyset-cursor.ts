/**
 * Where a page of a newest-first list starts: after the row with this time and id. Keyset paging costs the
 * same on page 5 000 as on page 1; the cursor travels in links as `<ISO time>_<id>` (an integer or a UUID).
 */
export interface KeysetCursor {
  at: Date;
  id: string;
}

export function encodeCursor(cursor: KeysetCursor): string {
  return `${cursor.at.toISOString()}_${cursor.id}`;
}

/** A token that does not parse (forged, truncated) is no cursor: the list starts from the newest. */
export function decodeCursor(token: string | undefined): KeysetCursor | undefined {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)_(\d{1,15}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/.exec(token ?? '');
  if (match === null) return undefined;
  const at = new Date(match[1] ?? '');
  return Number.isNaN(at.getTime()) ? undefined : { at, id: match[2] ?? '' };
}
