import { Command, CommanderError } from 'commander';
import { ConfigError, type Env } from '../config/config.js';
import { AppError } from '../core/errors.js';
import { accountCommand } from './account.commands.js';
import { adminCommand } from './admin.commands.js';
import { emulatorCommand } from './emulator.command.js';
import { demoCommand } from './demo.command.js';
import { instanceCommand } from './instance.commands.js';
import { keysCommand } from './keys.commands.js';
import { licenceCommand } from './licence.commands.js';
import { outboxCommand } from './outbox.commands.js';
import { serve } from './serve.js';
import { settingsCommand } from './settings.commands.js';
import { taskRunner } from './task.runner.js';

/** The program; `env` is the environment every command reads (nothing below main reads process.env). */
export function buildProgram(env: Env): Command {
  const runTask = taskRunner(env);
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
      return serve({ env });
    });

  program
    .command('migrate')
    .description('Bring the database schema up to date')
    .action(() =>
      taskRunner(env, { migrate: false })(async (services) => {
        const { migrateToLatest } = await import('../db/database.js');
        const result = await migrateToLatest(services.db);
        const applied = result.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
        process.stdout.write(applied.length === 0 ? 'The database schema is up to date.\n' : `Applied ${applied.length} migration(s): ${applied.join(', ')}\n`);
      }),
    );

  program.addCommand(licenceCommand(runTask, env));
  program.addCommand(keysCommand(runTask));
  program.addCommand(instanceCommand(env));
  program.addCommand(accountCommand(runTask));
  program.addCommand(adminCommand(runTask));
  program.addCommand(outboxCommand(runTask));
  program.addCommand(settingsCommand(runTask));
  program.addCommand(emulatorCommand());
  program.addCommand(demoCommand(env));
  return program;
}

export async function main(argv: string[], env: Env = process.env): Promise<void> {
  const program = buildProgram(env);
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

