import { Command, InvalidArgumentError } from 'commander';
import { shellExports } from '../emulator/emulator.context.js';
import { parseHttpUrl, parsePort } from './options.js';
import { onStopSignal, stopAfterSignal } from './signals.js';

function parseProductCode(value: string): string {
  if (!/^[-a-zA-Z0-9/=:_.@]{1,255}$/.test(value)) throw new InvalidArgumentError('A product code is 1 to 255 letters, digits and -/=:_.@');
  return value;
}

function parseNotifications(value: string): 'sns' | 'eventbridge' | 'both' | 'none' {
  if (value !== 'sns' && value !== 'eventbridge' && value !== 'both' && value !== 'none') throw new InvalidArgumentError('Expected sns, eventbridge, both or none.');
  return value;
}

interface EmulatorCommandOptions {
  port: number;
  httpsPort?: number;
  host: string;
  portalUrl: string;
  productCode?: string;
  queueName?: string;
  snsEndpoint?: string;
  notifications: 'sns' | 'eventbridge' | 'both' | 'none';
}

/** `webstream-portal emulator`: the local AWS emulator. It needs no database, so it does not use the services runner. */
export function emulatorCommand(): Command {
  return new Command('emulator')
    .description('Start the local AWS emulator (Marketplace Metering and Entitlement, SQS, signed SNS notifications, EC2 instance metadata) with a buyer page; no database needed')
    .option('--port <n>', 'HTTP port of the emulator (0: any free port)', parsePort(0), 4566)
    .option('--https-port <n>', 'https port (same routes; serves the SNS signing certificate over https); default: --port + 1', parsePort(0))
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--portal-url <url>', 'the portal the buyer is sent to: the form posts to <url>/marketplace/landing', parseHttpUrl, 'http://localhost:3000')
    .option('--product-code <code>', 'the Marketplace product code of WebStream (default: webstreamemulatorproduct1)', parseProductCode)
    .option('--queue-name <name>', 'name of the notification queue created at start (default: webstream-marketplace-notifications)')
    .option('--sns-endpoint <url>', 'also deliver signed SNS messages over HTTP to this URL, e.g. http://localhost:3000/marketplace/sns', parseHttpUrl)
    .option('--notifications <style>', 'how new subscriptions and entitlement changes are announced: sns, eventbridge, both or none', parseNotifications, 'sns')
    .action(async (options: EmulatorCommandOptions) => {
      const { startEmulator } = await import('../emulator/emulator.server.js');
      const log = (line: string) => process.stderr.write(`[emulator] ${line}\n`);
      const emulator = await startEmulator({
        port: options.port,
        httpsPort: options.httpsPort ?? (options.port === 0 || options.port === 65_535 ? 0 : options.port + 1),
        host: options.host,
        portalUrl: options.portalUrl,
        notifications: options.notifications,
        log,
        ...(options.productCode === undefined ? {} : { productCode: options.productCode }),
        ...(options.queueName === undefined ? {} : { queueName: options.queueName }),
        ...(options.snsEndpoint === undefined ? {} : { snsEndpoint: options.snsEndpoint }),
      });
      const lines = [
        '',
        `  Local AWS emulator running at ${emulator.url}${emulator.httpsUrl === undefined ? '' : ` (and ${emulator.httpsUrl})`}`,
        `  Buyer page (subscribe as an AWS customer):  ${emulator.buyerUrl}`,
        `  Controls (subscriptions, notifications, faults): ${emulator.controlUrl}`,
        `  Notification queue:  ${emulator.queueUrl}`,
        `  The buyer's "Set up your account" posts to ${emulator.landingUrl}`,
        '',
        '  Start the portal with:',
        ...shellExports(emulator.portalEnv).map((line) => `    ${line}`),
        '',
        `  SNS messages are signed with the certificate at ${emulator.sns.signingCertUrl}`,
        '',
        '  EC2 instances (instance metadata service, IMDSv2):',
        `    Create one:  curl -X POST ${emulator.instancesUrl} -H 'content-type: application/json' -d '{"awsAccountId":"123456789012","region":"us-east-1"}'`,
        `    (answers its IMDS URL, ${emulator.imdsUrl('<instanceId>')}; or use the controls page)`,
        `    Identity documents are signed with the certificate in ${emulator.imdsCertificateFile}`,
        '',
      ];
      if (!['127.0.0.1', 'localhost', '::1'].includes(options.host)) {
        lines.push('  Warning: the controls have no authentication; listen on a loopback address unless this network is private.', '');
      }
      process.stdout.write(`${lines.join('\n')}\n`);

      await new Promise<void>((resolve) => {
        onStopSignal((signal) => {
          void stopAfterSignal(signal, { doing: 'stopping the emulator', failure: 'Stopping failed', forceExitAfterMs: 10_000, stop: () => emulator.stop() }).then((stopped) => {
            if (!stopped) process.exitCode = 1;
            resolve();
          });
        });
      });
    });
}
