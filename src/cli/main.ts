import { Command, CommanderError } from 'commander';
import pino from 'pino';
import { loadConfig, ConfigError } from '../config/config.js';
import { createLogger } from '../config/logger.js';
import { AppError } from '../http/errors.js';
import type { startServer } from '../server.js';
import type { Services } from '../services.js';
import { accountCommand } from './account.commands.js';
import { emulatorCommand } from './emulator.command.js';
import { licenceCommand } from './licence.commands.js';

/** Runs one CLI task against the portal's database (borrowing the embedded server if a portal is running). */
async function runTask(task: (services: Services) => Promise<void>, options: { migrate?: boolean } = {}): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn', pino.destination(2));
  // Loaded on use (here and in serve): the HTTP app and services take seconds to load, which --help,
  // argument errors and the database commands (no HTTP app) should not pay for.
  const { createServices } = await import('../services.js');
  const services = await createServices(config, { role: 'command', logger, migrate: options.migrate ?? true });
  try {
    await task(services);
  } finally {
    await services.close();
  }
}

async function serve(): Promise<void> {
  const config = loadConfig();
  // Signals are handled from the start: a stop asked for while the database starts (initdb can take seconds)
  // is carried out once the portal is up, instead of killing the process and leaving the embedded server behind.
  const state: { server?: Awaited<ReturnType<typeof startServer>>; stopRequested?: string } = {};
  const shutdown = (signal: string) => {
    const { server } = state;
    if (server === undefined) {
      state.stopRequested = signal;
      process.stderr.write(`\nReceived ${signal} while starting: stopping as soon as the portal is up…\n`);
      return;
    }
    process.stderr.write(`\nReceived ${signal}: finishing requests and stopping…\n`);
    const forced = setTimeout(() => process.exit(1), 20_000);
    forced.unref();
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`Shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));

  const server = await (await import('../server.js')).startServer(config);
  state.server = server;
  if (state.stopRequested !== undefined) {
    shutdown(state.stopRequested);
    return;
  }
  const lines = [
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

export function buildProgram(): Command {
  const program = new Command('webstream-portal')
    .description('WebStream Licence Portal: customer portal, licence API and AWS Marketplace integration')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('serve', { isDefault: true })
    .description('Start the portal (the default command)')
    // As the default command, serve receives every unknown command name as an argument: name it as such
    // rather than Commander's "too many arguments for 'serve'".
    .allowExcessArguments()
    .action((_options: unknown, command: Command) => {
      if (command.args.length > 0) {
        if (program.args[0] === 'serve') command.error(`error: serve takes no arguments, got '${command.args.join(' ')}'`, { code: 'commander.excessArguments' });
        const known = program.commands.map((c) => c.name()).join(', ');
        program.error(`error: unknown command '${command.args[0] ?? ''}' (commands: ${known})`, { code: 'commander.unknownCommand' });
      }
      return serve();
    });

  program
    .command('migrate')
    .description('Bring the database schema up to date')
    .action(() =>
      runTask(
        async (services) => {
          const { migrateToLatest } = await import('../db/database.js');
          const result = await migrateToLatest(services.db);
          const applied = result.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
          process.stdout.write(applied.length === 0 ? 'The database schema is up to date.\n' : `Applied ${applied.length} migration(s): ${applied.join(', ')}\n`);
        },
        { migrate: false },
      ),
    );

  program.addCommand(licenceCommand(runTask));
  program.addCommand(accountCommand(runTask));
  program.addCommand(emulatorCommand());
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed the message or the help text.
      process.exitCode = error.exitCode;
    } else if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 2;
    } else if (error instanceof AppError) {
      process.stderr.write(`Error: ${error.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`Error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    }
  }
}

