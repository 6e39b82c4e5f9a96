import { Command } from 'commander';
import type { Env } from '../config/config.js';
import { parsePort } from './options.js';
import { serve } from './serve.js';

/**
 * `webstream-portal demo`: the portal (embedded database, outbox mail) and the local AWS emulator in one
 * process, wired together, to try the whole AWS Marketplace journey on one machine.
 */
export function demoCommand(env: Env): Command {
  return new Command('demo')
    .description('Start the portal and the local AWS emulator wired together, to try the AWS Marketplace journey')
    .option('--port <n>', 'the portal port', parsePort(1), 3000)
    .option('--emulator-port <n>', 'the emulator port', parsePort(1), 4566)
    .action(async (options: { port: number; emulatorPort: number }) => {
      const portalUrl = env.PUBLIC_URL ?? `http://localhost:${options.port}`;
      const { startEmulator } = await import('../emulator/emulator.server.js');
      const emulator = await startEmulator({ port: options.emulatorPort, portalUrl, httpsPort: false, log: (line) => process.stderr.write(`[emulator] ${line}\n`) });
      // Handed to the portal as its environment (as in production, where these are set outside), without
      // writing process.env: the config reads the port, URL, endpoint, region, queue and product code from it,
      // and the AWS clients sign their requests to the loopback emulator with dummy keys of their own;
      // INSTANCE_IDENTITY_CERT_FILE makes the portal trust the identity documents of the emulator's instances.
      await serve({
        env: { ...env, PORT: String(options.port), PUBLIC_URL: portalUrl, ...emulator.portalEnv, INSTANCE_IDENTITY_CERT_FILE: emulator.imdsCertificateFile },
        afterStop: () => emulator.stop(),
        banner: (url) => [
          '',
          `  WebStream Licence Portal   ${url}/portal/sign-in`,
          `  AWS emulator: buyer page   ${emulator.buyerUrl}`,
          `                controls     ${emulator.controlUrl}`,
          `                instances    ${emulator.instancesUrl} (IMDS certificate ${emulator.imdsCertificateFile})`,
          '',
          '  Try it: subscribe on the buyer page, press "Set up your account", create the portal account,',
          '  and watch the licence arrive on My Entitlements. Send notifications from the controls page.',
          '  Emails are kept in the outbox and printed in this log.',
          '',
        ],
      });
    });
}
