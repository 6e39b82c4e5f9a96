import { Argument, Command } from 'commander';
import type { SwitchSetting } from '../admin/settings-admin.service.js';
import type { PortalSettings } from '../settings/settings.repo.js';
import type { TaskRunner } from './task.runner.js';

const onOff = (on: boolean) => (on ? 'on' : 'off');

/** Every setting as `settings show` prints it: its command-line name and its value. */
function describe(settings: PortalSettings): [string, string][] {
  return [
    ['session-duration', `${settings.sessionDurationSeconds} s`],
    ['verify-new-devices', onOff(settings.verifyNewDevices)],
    ['mfa-required-for-customers', onOff(settings.mfaRequiredForCustomers)],
    ['registration-requires-proof', onOff(settings.registrationRequiresProof)],
    ['trials', onOff(settings.licenceApi.trialsEnabled)],
    ['trial-days', String(settings.licenceApi.trialDays)],
    ['trial-seats', String(settings.licenceApi.trialSeats)],
    ['grace-period', `${settings.licenceApi.graceSeconds} s`],
    ['heartbeat-interval', `${settings.licenceApi.heartbeatIntervalSeconds} s`],
    ['stale-window', `${settings.licenceApi.staleWindowSeconds} s`],
    ['deactivations-per-day', String(settings.licenceApi.deactivationsPerDay)],
  ];
}

/** The on/off settings `settings set` changes, by their command-line names, and what each state means; the rest are the admin panel's. */
const SWITCHES: Record<string, { key: SwitchSetting; on: string; off: string }> = {
  'registration-requires-proof': {
    key: 'registrationRequiresProof',
    on: 'self-registration needs a portal link from a WebStream instance or the AWS Marketplace flow.',
    off: 'every licensed AWS account may register.',
  },
  'mfa-required-for-customers': {
    key: 'mfaRequiredForCustomers',
    on: 'a customer without MFA must set it up right after signing in.',
    off: 'MFA is each customer\'s choice.',
  },
  'verify-new-devices': {
    key: 'verifyNewDevices',
    on: 'a sign-in from a browser the account has not used asks for an emailed code.',
    off: 'no check of new browsers.',
  },
};
const SETTABLE = Object.keys(SWITCHES);

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
      'Turn a setting on or off (audited as the admin panel does). registration-requires-proof on: self-registration needs a proof of the AWS account (a portal link from a WebStream instance, or AWS Marketplace); staff-created accounts are unaffected. mfa-required-for-customers on: customers without MFA set it up right after signing in. verify-new-devices on: an emailed code for a sign-in from a new browser. All off by default.',
    )
    .addArgument(new Argument('<name>', 'the setting').choices(SETTABLE))
    .addArgument(new Argument('<value>', 'on or off').choices(['on', 'off']))
    .action((name: string, value: 'on' | 'off') =>
      run(async (services) => {
        const setting = SWITCHES[name];
        if (setting === undefined) throw new Error(`Unknown setting ${name}.`);
        const changed = await services.admin.settings.setSwitch(setting.key, value === 'on', { actor: 'cli' });
        const meaning = value === 'on' ? setting.on : setting.off;
        process.stdout.write(`${name} ${changed.length === 0 ? 'was already' : 'is now'} ${value}: ${meaning} Running portals apply it within 5 seconds.\n`);
      }),
    );

  return settings;
}
