/**
 * The local AWS emulator: one HTTP server (plus an https listener with the same routes, so SigningCertURL and
 * SubscribeURL can be https as SNS's are) speaking the real wire protocols of Marketplace Metering, Marketplace
 * Entitlement and SQS, with buyer and control pages and an SNS signer. It needs no database: state is in memory.
 */
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fastifyFormbody from '@fastify/formbody';
import Fastify from 'fastify';
import { systemClock, type Clock } from '../core/clock.js';
import type { AwsServiceName } from './aws-protocol.js';
import { awsRoutes, type OperationTable } from './aws.routes.js';
import { buyerRoutes } from './buyer.routes.js';
import { controlRoutes } from './control.routes.js';
import { portalEnvironment, type EmulatorContext } from './emulator.context.js';
import { entitlementHandlers } from './entitlement.handlers.js';
import { createFaultInjector, type FaultInjector } from './faults.js';
import { imdsPath, imdsRoutes } from './imds.routes.js';
import { createImdsSigner } from './imds.signer.js';
import { createEc2Instances, type Ec2Instances } from './instances.state.js';
import { createMarketplace, type Marketplace } from './marketplace.state.js';
import { meteringHandlers, type MeteringRecord } from './metering.handlers.js';
import type { NotificationStyle } from './notifications.js';
import { createNotifier, type Notifier } from './notifier.js';
import { createSnsSigner, createSnsSigningKey, type SnsSignatureVersion, type SnsSigner, type SnsSigningKey } from './sns.signer.js';
import type { SigningKey } from './signing-key.js';
import { snsRoutes } from './sns.routes.js';
import { sqsHandlers } from './sqs.handlers.js';
import { createSqsQueues, type SqsQueues } from './sqs.queues.js';

export const EMULATOR_DEFAULTS = {
  host: '127.0.0.1',
  portalUrl: 'http://localhost:3000',
  landingPath: '/marketplace/landing',
  productCode: 'webstreamemulatorproduct1',
  queueName: 'webstream-marketplace-notifications',
  sellerAccountId: '111122223333',
  plans: ['standard', 'professional', 'enterprise'],
  usageDimensions: ['instances'],
} as const;

export interface EmulatorOptions {
  /** 0 (default): any free port. */
  port?: number;
  host?: string;
  /** The https listener's port (0, the default: any free port); false: no https listener. */
  httpsPort?: number | false;
  /** The portal's base URL; the buyer's "Set up your account" form posts to `<portalUrl>/marketplace/landing`. */
  portalUrl?: string;
  productCode?: string;
  /** The notification queue, created at start. */
  queueName?: string;
  sellerAccountId?: string;
  /** The dimensions offered on the buyer page. */
  plans?: readonly string[];
  /** Dimensions BatchMeterUsage accepts besides the plans. */
  usageDimensions?: readonly string[];
  /** How automatic notifications are sent (new subscription, changed entitlement); default 'sns'. */
  notifications?: NotificationStyle;
  /** An HTTP(S) endpoint to subscribe to the product's SNS topics (e.g. the portal's /marketplace/sns). */
  snsEndpoint?: string;
  signatureVersion?: SnsSignatureVersion;
  /** Reuse a signing key (creating one takes a moment). */
  signingKey?: SnsSigningKey;
  /** Reuse the key that signs instance identity documents. */
  imdsSigningKey?: SigningKey;
  /**
   * Where to write the identity documents' certificate (the portal's INSTANCE_IDENTITY_CERT_FILE); default: a
   * fresh directory under the system temp directory, removed when the emulator stops.
   */
  imdsCertificateFile?: string;
  clock?: Clock;
  log?: (line: string) => void;
}

export interface EmulatorState {
  marketplace: Marketplace;
  queues: SqsQueues;
  faults: FaultInjector;
  notifier: Notifier;
  usage: MeteringRecord[];
  /** EC2 instances, each with a metadata service at `<url>/imds/<instanceId>`. */
  instances: Ec2Instances;
}

export interface Emulator {
  url: string;
  /** The https listener (self-signed certificate = the SNS signing certificate), if enabled. */
  httpsUrl: string | undefined;
  queueUrl: string;
  buyerUrl: string;
  controlUrl: string;
  landingUrl: string;
  productCode: string;
  /** Signs SNS envelopes with the emulator's key; its certificate is served at signingCertUrl. */
  sns: SnsSigner;
  /** The certificate of the key that signs instance identity documents (also at `<url>/_emulator/imds/certificate.pem`). */
  imdsCertificatePem: string;
  /** The PEM file holding imdsCertificatePem (INSTANCE_IDENTITY_CERT_FILE in portalEnv). */
  imdsCertificateFile: string;
  /** `<url>/_emulator/instances`: POST `{ awsAccountId, region }` creates an instance. */
  instancesUrl: string;
  /** An instance's IMDS base URL (what http://169.254.169.254 is on EC2). */
  imdsUrl(instanceId: string): string;
  /** The variables the portal needs to use this emulator. */
  portalEnv: Record<string, string>;
  state: EmulatorState;
  stop(): Promise<void>;
}

const formatHost = (host: string) => (host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host);

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? (() => undefined);
  const host = options.host ?? EMULATOR_DEFAULTS.host;
  const productCode = options.productCode ?? EMULATOR_DEFAULTS.productCode;
  const sellerAccountId = options.sellerAccountId ?? EMULATOR_DEFAULTS.sellerAccountId;
  const queueName = options.queueName ?? EMULATOR_DEFAULTS.queueName;
  const plans = options.plans ?? EMULATOR_DEFAULTS.plans;
  const portalUrl = (options.portalUrl ?? EMULATOR_DEFAULTS.portalUrl).replace(/\/+$/, '');
  const landingUrl = `${portalUrl}${EMULATOR_DEFAULTS.landingPath}`;
  const key = options.signingKey ?? createSnsSigningKey({ hosts: [host] });

  const urls = { url: '', httpsUrl: undefined as string | undefined, queueUrl: '' };
  // Created once the listener's URL (part of SigningCertURL) is known.
  const signerRef: { current?: SnsSigner } = {};
  const getSigner = () => {
    if (signerRef.current === undefined) throw new Error('The emulator is not listening yet.');
    return signerRef.current;
  };
  const stopping = new AbortController();

  const marketplace = createMarketplace({ clock, productCode, sellerAccountId });
  const queues = createSqsQueues({ clock, accountId: sellerAccountId, region: 'us-east-1', baseUrl: () => urls.url });
  const usage: MeteringRecord[] = [];
  const instances = createEc2Instances({ clock });
  const imds = createImdsSigner(options.imdsSigningKey === undefined ? {} : { key: options.imdsSigningKey });
  const ownCertificateDir = options.imdsCertificateFile === undefined ? fs.mkdtempSync(path.join(os.tmpdir(), 'webstream-emulator-imds-')) : undefined;
  const imdsCertificateFile = options.imdsCertificateFile ?? path.join(ownCertificateDir ?? '', 'imds-certificate.pem');
  fs.mkdirSync(path.dirname(imdsCertificateFile), { recursive: true });
  fs.writeFileSync(imdsCertificateFile, imds.certificatePem);
  const removeCertificateDir = () => {
    if (ownCertificateDir !== undefined) fs.rmSync(ownCertificateDir, { recursive: true, force: true });
  };
  const operations: OperationTable = {
    metering: meteringHandlers({ marketplace, clock, usage, usageDimensions: [...plans, ...(options.usageDimensions ?? EMULATOR_DEFAULTS.usageDimensions)] }),
    entitlement: entitlementHandlers({ marketplace }),
    sqs: sqsHandlers({ queues, senderId: sellerAccountId }),
  };
  const operationServices = new Map<string, AwsServiceName>(
    Object.entries(operations).flatMap(([service, handlers]) => Object.keys(handlers).map((op) => [op, service as AwsServiceName] as const)),
  );
  const faults = createFaultInjector(operationServices);
  const notifier = createNotifier({
    clock,
    marketplace,
    queues,
    queue: () => queues.byName(queueName),
    signer: getSigner,
    snsBaseUrl: () => urls.httpsUrl ?? urls.url,
    log,
  });
  const context: EmulatorContext = {
    clock,
    marketplace,
    queues,
    faults,
    notifier,
    usage,
    instances,
    imds,
    imdsCertificateFile,
    settings: { productCode, queueName, plans, notifications: options.notifications ?? 'sns', portalUrl, landingUrl },
    urls: () => urls,
    signer: getSigner,
    operations: operationServices,
    log,
    stopping: stopping.signal,
  };

  const app = Fastify({ logger: false, bodyLimit: 2 * 1024 * 1024, return503OnClosing: true });
  await app.register(fastifyFormbody);
  awsRoutes(app, context, operations);
  buyerRoutes(app, context);
  controlRoutes(app, context);
  snsRoutes(app, context);
  imdsRoutes(app, context);

  try {
    await app.listen({ port: options.port ?? 0, host });
  } catch (error) {
    removeCertificateDir();
    throw error;
  }
  const address = app.server.address() as AddressInfo;
  urls.url = `http://${formatHost(host)}:${address.port}`;

  let httpsServer: https.Server | undefined;
  const httpsPort = options.httpsPort ?? 0;
  if (httpsPort !== false) {
    // The same routes over TLS, with the signing certificate as the server certificate.
    const server = https.createServer({ key: key.privateKeyPem, cert: key.certificatePem }, (request, response) => app.routing(request, response));
    httpsServer = server;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(httpsPort, host, () => resolve());
      });
    } catch (error) {
      // The http listener is already open: close it, or the process would stay up after the failure.
      await app.close();
      removeCertificateDir();
      throw error;
    }
    urls.httpsUrl = `https://${formatHost(host)}:${(server.address() as AddressInfo).port}`;
  }
  const signer = createSnsSigner({ key, signingCertUrl: `${urls.httpsUrl ?? urls.url}/sns/cert.pem`, signatureVersion: options.signatureVersion ?? '2' });
  signerRef.current = signer;
  urls.queueUrl = queues.urlOf(queues.create(queueName));
  if (options.snsEndpoint !== undefined) {
    // Not awaited: the portal may start after the emulator; the outcome is logged and listed on the controls.
    void notifier.subscribeEndpointToProduct(options.snsEndpoint, productCode);
  }

  return {
    url: urls.url,
    httpsUrl: urls.httpsUrl,
    queueUrl: urls.queueUrl,
    buyerUrl: `${urls.url}/buyer`,
    controlUrl: `${urls.url}/_emulator`,
    landingUrl,
    productCode,
    sns: signer,
    imdsCertificatePem: imds.certificatePem,
    imdsCertificateFile,
    instancesUrl: `${urls.url}/_emulator/instances`,
    imdsUrl: (instanceId) => `${urls.url}${imdsPath(instanceId)}`,
    portalEnv: portalEnvironment(context),
    state: { marketplace, queues, faults, notifier, usage, instances },
    async stop() {
      stopping.abort();
      const closing = httpsServer === undefined ? Promise.resolve() : new Promise<void>((resolve) => httpsServer.close(() => resolve()));
      httpsServer?.closeIdleConnections();
      await app.close();
      httpsServer?.closeAllConnections();
      await closing;
      removeCertificateDir();
    },
  };
}
