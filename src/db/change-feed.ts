import pg from 'pg';

/** What a cache hears from a change feed: one changed key, or "forget everything" (the feed was lost or restarted). */
export interface ChangeListener {
  changed(key: string): void;
  reset(): void;
}

/**
 * PostgreSQL LISTEN on one channel, on a connection of its own, so that every portal process hears a change
 * another one committed (migration 0013 notifies `licence_changes`). A cache may trust what it holds only
 * while the feed is `live`: when the connection drops it is told to reset, and the feed reconnects.
 */
export interface ChangeFeed {
  readonly live: boolean;
  /** Bumped on every notification and reset: a load that saw it change may have read something already stale. */
  readonly version: number;
  /** Starts listening (idempotent): the first cache lookup calls it, so commands that never look up never connect. */
  start(): void;
  subscribe(listener: ChangeListener): void;
  /** This process is writing a watched table (write-watch.ts): forget everything now rather than at commit. */
  noteLocalWrite(): void;
  close(): Promise<void>;
}

export function createChangeFeed(options: { url: string; channel: string; retryMs?: number; onError?: (error: Error) => void }): ChangeFeed {
  if (!/^[a-z_]+$/.test(options.channel)) throw new Error(`Not a channel name: ${options.channel}`);
  const listeners: ChangeListener[] = [];
  let client: pg.Client | undefined;
  let live = false;
  let version = 0;
  let started = false;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const reset = () => {
    version += 1;
    for (const l of listeners) l.reset();
  };

  function lost(from: pg.Client, error?: Error): void {
    if (client !== from) return;
    client = undefined;
    live = false;
    reset();
    if (error !== undefined) options.onError?.(error);
    from.end().catch(() => undefined);
    if (!closed) {
      retry = setTimeout(connect, options.retryMs ?? 1_000);
      retry.unref();
    }
  }

  function connect(): void {
    const next = new pg.Client({ connectionString: options.url });
    client = next;
    next.on('notification', (message) => {
      if (message.channel !== options.channel || message.payload === undefined) return;
      version += 1;
      for (const l of listeners) l.changed(message.payload);
    });
    next.on('error', (error) => lost(next, error));
    next.on('end', () => lost(next));
    next
      .connect()
      .then(() => next.query(`listen ${options.channel}`))
      .then(() => {
        if (client !== next) return;
        // Anything read before now may predate a change nobody told us about.
        reset();
        live = true;
      })
      .catch((error: unknown) => lost(next, error instanceof Error ? error : new Error(String(error))));
  }

  return {
    get live() {
      return live;
    },
    get version() {
      return version;
    },
    start() {
      if (started || closed) return;
      started = true;
      connect();
    },
    subscribe(listener) {
      listeners.push(listener);
    },
    noteLocalWrite: reset,
    async close() {
      closed = true;
      live = false;
      clearTimeout(retry);
      const last = client;
      client = undefined;
      await last?.end().catch(() => undefined);
    },
  };
}
