/**
 * Rendered HTML of an account's licence list, kept per account in this process. An entry is used only
 * while its version (the account's licences_version, read from the database with the session so every
 * process sees a change at once, and the seats in use) is the one it was rendered at, and until the next moment a displayed status changes.
 * Bounded: the least recently used account is dropped beyond `maxEntries`.
 */
export interface RenderedListCache {
  get(accountId: string, version: string, now: Date, render: () => Promise<{ html: string; validUntil: Date | null }>): Promise<string>;
}

interface Entry {
  version: string;
  html: string;
  validUntil: number;
}

export function createRenderedListCache(maxEntries = 2000): RenderedListCache {
  const entries = new Map<string, Entry>();
  return {
    async get(accountId, version, now, render) {
      const hit = entries.get(accountId);
      if (hit !== undefined && hit.version === version && now.getTime() < hit.validUntil) {
        // Map order is insertion order: re-inserting marks it most recently used.
        entries.delete(accountId);
        entries.set(accountId, hit);
        return hit.html;
      }
      const { html, validUntil } = await render();
      entries.delete(accountId);
      entries.set(accountId, { version, html, validUntil: validUntil?.getTime() ?? Number.POSITIVE_INFINITY });
      if (entries.size > maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done !== true) entries.delete(oldest.value);
      }
      return html;
    },
  };
}
