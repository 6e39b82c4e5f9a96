/** How a database command runs: with the portal's services, built for the task and closed after it. */
import pino from 'pino';
import { loadConfig, type Env } from '../config/config.js';
import { createLogger } from '../config/logger.js';
import type { Services } from '../services.js';

type ServicesTask = (services: Services) => Promise<void>;

/** What a command module is given to run its tasks. */
export type TaskRunner = (task: ServicesTask) => Promise<void>;

/**
 * Runs CLI tasks against the portal's database (borrowing the embedded server if a portal is running), with
 * the environment the CLI was started with. Its log level is LOG_LEVEL, else warn (not the portal's info).
 */
export function taskRunner(env: Env, options: { migrate?: boolean } = {}): TaskRunner {
  return async (task) => {
    const config = loadConfig(env);
    const logger = createLogger(env.LOG_LEVEL ?? 'warn', pino.destination(2));
    // Loaded on use (here and in serve): the HTTP app and services take seconds to load, which --help,
    // argument errors and the database commands (no HTTP app) should not pay for.
    const { createServices } = await import('../services.js');
    const services = await createServices(config, { role: 'command', logger, migrate: options.migrate ?? true });
    try {
      await task(services);
    } finally {
      await services.close();
    }
  };
}
