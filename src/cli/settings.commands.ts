import { Argument, Command } from 'commander';
import type { PortalSettings } from '../settings/settings.repo.js';
import type { TaskRunner } from './task.runner.js';

const onOff = (on: boolean) => (on ? 'on' : 'off');

/** Every setting as `settings show` prints it: its command-line name and its value. */
function describe(settings: PortalSettings): [string, string][] {
  return [
    ['session-duration', `${settings.sessionDurationSeconds} s`],
    ['verify-new-devices', onOff(settings.verifyNewDevices)],
    ['registration-requires-proof', onOff(settings.registrationRequiresProof)],
  ];
}

/** The settings `settings set` changes (the admin panel will change them too). */
const SETTABLE = ['registration-requires-proof'] as const;

export function settingsCommand(run: TaskRunner): Command {
  const settings = new Command('settings').description('Show and change portal-wide settings (every portal process on the database applies a change within 5 seconds)');

  settings
    .command('show')
    .description('Show the portal settings')
    .option('--json', 'print JSON instead of a table')
    .action((options: { json?: boolean }) =>
      run(async (services) => {
        const current = await services.settings.get();
        if (options.json === true) {
          process.stdout.write(`${JSON.stringify(current, null, 2)}\n`);
          return;
        }
        const rows = describe(current);
        const width = Math.max(...rows.map(([name]) => name.length));
        for (const [name, value] of rows) process.stdout.write(`${name.padEnd(width)}  ${value}\n`);
      }),
    );

  settings
    .command('set')
    .description(
      'Change a setting. registration-requires-proof on: self-registration needs a proof of the AWS account (a portal link from a WebStream instance, or AWS Marketplace); staff-created accounts are unaffected. off (the default): open to every licensed AWS account.',
    )
    .addArgument(new Argument('<name>', 'the setting').choices(SETTABLE))
    .addArgument(new Argument('<value>', 'on or off').choices(['on', 'off']))
    .action((name: (typeof SETTABLE)[number], value: 'on' | 'off') =>
      run(async (services) => {
        const before = await services.settings.get();
        const on = value === 'on';
        await services.settings.setRegistrationRequiresProof(on, services.clock.now());
        await services.audit.record({ event: 'settings.changed', actor: 'cli', details: { setting: name, from: onOff(before.registrationRequiresProof), to: value } });
        process.stdout.write(
          `${name} is now ${value}: ${on ? 'self-registration needs a portal link from a WebStream instance or the AWS Marketplace flow.' : 'every licensed AWS account may register.'} Running portals apply it within 5 seconds.\n`,
        );
      }),
    );

  return settings;
}
