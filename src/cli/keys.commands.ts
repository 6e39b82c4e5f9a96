import { Command } from 'commander';
import type { TaskRunner } from './task.runner.js';

/** `webstream-portal keys rotate`: a new licence-file signing key, while portals keep running. */
export function keysCommand(run: TaskRunner): Command {
  const keys = new Command('keys').description('Manage the keys that sign licence files');
  keys
    .command('rotate')
    .description('Sign new licence files with a new Ed25519 key; files signed before keep verifying until they expire')
    .action(() =>
      run(async (services) => {
        const { kid, retired } = await services.licenceFiles.rotate('cli');
        process.stdout.write(`New signing key ${kid}: every portal process signs with it within 5 seconds.\n`);
        process.stdout.write(
          retired === undefined
            ? 'There was no key before.\n'
            : `The previous key ${retired.kid} stays in the JWKS until ${retired.publishedUntil.toISOString()}, so the files it signed keep verifying until they expire.\n`,
        );
      }),
    );
  return keys;
}
