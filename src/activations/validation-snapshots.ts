import { LRUCache } from 'lru-cache';
import type { Clock } from '../core/clock.js';
import type { ChangeFeed } from '../db/change-feed.js';

/**
 * What a validation reads from the database (the licence, the caller's activation and its seat rank), kept
 * per licence and instance in this process, so that the hot path of the licence API costs no query. Every
 * committed change to a licence or its activations, in any process, arrives through the change feed and
 * drops that licence's entries; while the feed is down nothing is cached. Entries also expire after
 * `ttlMs`, because a seat rank moves as other instances go stale, without any write.
 */
/** How long a snapshot may serve at most: how late a seat rank may notice that an older instance went stale. */
export const VALIDATION_SNAPSHOT_TTL_MS = 5_000;

export interface SnapshotCache<T> {
  get(licenceId: string, key: string, load: () => Promise<T>): Promise<T>;
}

interface Entry<T> {
  licenceId: string;
  value: T;
  until: number;
}

export function createSnapshotCache<T extends object | undefined>(options: { feed: ChangeFeed; clock: Clock; ttlMs: number; maxEntries: number }): SnapshotCache<T> {
  const { feed, clock } = options;
  const byLicence = new Map<string, Set<string>>();
  // One load per key at a time: a fleet asking about the same licence at once reads it once.
  const loading = new Map<string, { version: number; loaded: Promise<T> }>();
  const entries = new LRUCache<string, Entry<T>>({
    max: options.maxEntries,
    dispose: (entry, key) => {
      const keys = byLicence.get(entry.licenceId);
      keys?.delete(key);
      if (keys?.size === 0) byLicence.delete(entry.licenceId);
    },
  });
  feed.subscribe({
    changed(licenceId) {
      for (const key of [...(byLicence.get(licenceId) ?? [])]) entries.delete(key);
    },
    reset() {
      entries.clear();
    },
  });

  return {
    async get(licenceId, key, load) {
      feed.start();
      const now = clock.now().getTime();
      const hit = entries.get(key);
      if (hit !== undefined && feed.live && now < hit.until) return hit.value;
      // Joined only if nothing changed since it began: a read after a write must see the write.
      const pending = loading.get(key);
      if (pending !== undefined && pending.version === feed.version) return pending.loaded;
      const versionBefore = feed.version;
      const loaded = load().then((value) => {
        // Kept only if nothing changed (and the feed stayed up) while it was read.
        if (feed.live && feed.version === versionBefore) {
          entries.set(key, { licenceId, value, until: now + options.ttlMs });
          let keys = byLicence.get(licenceId);
          if (keys === undefined) byLicence.set(licenceId, (keys = new Set()));
          keys.add(key);
        }
        return value;
      });
      const flight = { version: versionBefore, loaded };
      loading.set(key, flight);
      try {
        return await loaded;
      } finally {
        if (loading.get(key) === flight) loading.delete(key);
      }
    },
  };
}
