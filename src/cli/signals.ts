/** Stopping a long-running command on SIGINT or SIGTERM, with a deadline so a stuck stop cannot hang the terminal. */

/** Calls `onSignal` with the name of the signal on the first SIGINT and on the first SIGTERM. */
export function onStopSignal(onSignal: (signal: string) => void): void {
  process.once('SIGINT', () => onSignal('SIGINT'));
  process.once('SIGTERM', () => onSignal('SIGTERM'));
}

/**
 * Says which signal arrived and what happens now, then runs `stop`; the process exits with 1 if stopping takes
 * longer than `forceExitAfterMs`. Resolves true once stopped, or false after printing why stopping failed.
 */
export async function stopAfterSignal(
  signal: string,
  options: { doing: string; failure: string; forceExitAfterMs: number; stop: () => Promise<void> },
): Promise<boolean> {
  process.stderr.write(`\nReceived ${signal}: ${options.doing}…\n`);
  const forced = setTimeout(() => process.exit(1), options.forceExitAfterMs);
  forced.unref();
  try {
    await options.stop();
    return true;
  } catch (error) {
    process.stderr.write(`${options.failure}: ${String(error)}\n`);
    return false;
  }
}
