import { loadConfig, type Env } from '../config/config.js';
import type { startServer } from '../server.js';
import { onStopSignal, stopAfterSignal } from './signals.js';

export interface ServeOptions {
  /** The portal's environment: process.env, or what the demo hands it. */
  env: Env;
  /** What to print once the portal is up, instead of the default how-to-start lines. */
  banner?: (portalUrl: string) => string[];
  /** Runs after the portal stopped (the demo stops its emulator). */
  afterStop?: () => Promise<void>;
}

/** Starts the portal in this process and keeps it running until SIGINT or SIGTERM. */
export async function serve(options: ServeOptions): Promise<void> {
  const config = loadConfig(options.env);
  // Signals are handled from the start: a stop asked for while the database starts (initdb can take seconds)
  // is carried out once the portal is up, instead of killing the process and leaving the embedded server behind.
  const state: { server?: Awaited<ReturnType<typeof startServer>>; stopRequested?: string } = {};
  const stopAll = async (server: Awaited<ReturnType<typeof startServer>>) => {
    await server.stop();
    await options.afterStop?.();
  };
  const shutdown = (signal: string) => {
    const { server } = state;
    if (server === undefined) {
      state.stopRequested = signal;
      process.stderr.write(`\nReceived ${signal} while starting: stopping as soon as the portal is up…\n`);
      return;
    }
    void stopAfterSignal(signal, { doing: 'finishing requests and stopping', failure: 'Shutdown failed', forceExitAfterMs: 20_000, stop: () => stopAll(server) }).then((stopped) =>
      process.exit(stopped ? 0 : 1),
    );
  };
  onStopSignal(shutdown);

  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await (await import('../server.js')).startServer(config);
  } catch (error) {
    await options.afterStop?.();
    throw error;
  }
  state.server = server;
  if (state.stopRequested !== undefined) {
    shutdown(state.stopRequested);
    return;
  }
  const lines = options.banner?.(server.url) ?? [
    '',
    `  WebStream Licence Portal is running at ${server.url}/portal/sign-in`,
    '',
    '  To try it, issue a licence to an AWS account, then create a portal account for it:',
    '    npx webstream-portal licence issue --account 1234-5678-9012 --plan standard --seats 5',
    `    open ${server.url}/portal/register`,
    config.smtpUrl === undefined ? '  No SMTP_URL is set: emails are kept in the outbox and printed in this log.' : '',
    '',
  ];
  process.stderr.write(`${lines.filter((l, i, all) => l !== '' || all[i - 1] !== '').join('\n')}\n`);
}
