/** What the emulator's routes share: its state, its settings and the URLs it learns once listening. */
import type { Clock } from '../core/clock.js';
import type { FaultInjector } from './faults.js';
import type { ImdsSigner } from './imds.signer.js';
import type { Ec2Instances } from './instances.state.js';
import type { Marketplace } from './marketplace.state.js';
import type { MeteringRecord } from './metering.handlers.js';
import type { NotificationStyle } from './notifications.js';
import type { Notifier } from './notifier.js';
import type { SnsSigner } from './sns.signer.js';
import type { SqsQueues } from './sqs.queues.js';

export interface EmulatorContext {
  clock: Clock;
  marketplace: Marketplace;
  queues: SqsQueues;
  faults: FaultInjector;
  notifier: Notifier;
  usage: MeteringRecord[];
  instances: Ec2Instances;
  /** Signs the instances' identity documents. */
  imds: ImdsSigner;
  /** The PEM file of imds.certificatePem, which the portal trusts through INSTANCE_IDENTITY_CERT_FILE. */
  imdsCertificateFile: string;
  settings: {
    productCode: string;
    queueName: string;
    plans: readonly string[];
    notifications: NotificationStyle;
    portalUrl: string;
    landingUrl: string;
  };
  urls: () => { url: string; httpsUrl: string | undefined; queueUrl: string };
  signer: () => SnsSigner;
  operations: ReadonlyMap<string, string>;
  log: (line: string) => void;
  /** Aborted when the emulator stops: ends long polls. */
  stopping: AbortSignal;
}

/** The environment variables the portal needs to use this emulator (known once it listens). */
export function portalEnvironment(context: EmulatorContext): Record<string, string> {
  const { url, queueUrl } = context.urls();
  return {
    AWS_ENDPOINT_URL: url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'emulator',
    AWS_SECRET_ACCESS_KEY: 'emulator',
    MARKETPLACE_QUEUE_URL: queueUrl,
    MARKETPLACE_PRODUCT_CODE: context.settings.productCode,
    INSTANCE_IDENTITY_CERT_FILE: context.imdsCertificateFile,
  };
}

/** The same variables as shell lines to paste before starting the portal. */
export const shellExports = (environment: Record<string, string>): string[] => Object.entries(environment).map(([name, value]) => `export ${name}=${value}`);
