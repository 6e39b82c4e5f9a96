import type { Config } from './config/config.js';
import { buildApp } from './app.js';
import { createNotificationQueue } from './marketplace/aws-clients.js';
import { createQueueWorker } from './marketplace/queue.worker.js';
import { createServices, type Services } from './services.js';

/** Starts the portal: database (embedded or by URL), migrations, HTTP server, background jobs. */
export async function startServer(config: Config): Promise<{ url: string; stop(): Promise<void> }> {
  const services = await createServices(config, { role: 'server' });
  const app = await buildApp(services);
  // Email bodies left in plain text by the upgrade to migration 0008 are sealed before anything reads them.
  await services.mailer.sealLegacyBodies();
  const stopDispatcher = services.mailer.startDispatcher();
  // Marketplace notifications from SQS, only when a queue is configured (the SNS HTTPS endpoint needs no worker).
  const queue = config.marketplaceQueueUrl === undefined ? undefined : createMarketplaceQueue(config, config.marketplaceQueueUrl, services);
  const stopQueueWorker = async () => {
    await queue?.worker.stop();
    queue?.queue.destroy();
  };
  // Expired sessions (staff sessions kept 30 days past expiry, for the record), sign-in challenges, codes, Marketplace link handshakes and portal links are refused on use anyway; this only keeps the tables small.
  // The outbox purge is not only tidying: it erases email bodies whose secret has expired.
  const sweeper = setInterval(() => {
    Promise.all([services.licences.expireDue(), services.sessions.deleteExpired(), services.signIn.deleteExpiredChallenges(), services.mfa.deleteOldEmailCodes(), services.marketplace.link.deleteExpiredHandshakes(), services.accountProofs.deleteExpiredLinks(), services.admin.signIn.deleteExpired(), services.rateLimits.deleteStale(), services.mailer.purgeExpired()]).catch((error: unknown) =>
      services.logger.warn({ err: error }, 'expiry sweep failed'),
    );
  }, 10 * 60_000);
  sweeper.unref();

  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await stopDispatcher();
    await stopQueueWorker();
    await services.close();
    throw error;
  }
  queue?.worker.start();
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const url = config.port === 0 ? `http://${config.host}:${port}` : config.publicUrl.origin;

  let stopping: Promise<void> | undefined;
  return {
    url,
    stop() {
      stopping ??= (async () => {
        clearInterval(sweeper);
        await app.close(); // stops accepting, lets in-flight requests finish
        await stopDispatcher();
        await stopQueueWorker(); // aborts the long poll; the message in hand is finished first
        await services.close();
      })();
      return stopping;
    },
  };
}

/** The Marketplace notification queue and the worker that polls it. */
function createMarketplaceQueue(config: Config, queueUrl: string, services: Services) {
  const queue = createNotificationQueue(config, queueUrl);
  return { queue, worker: createQueueWorker({ queue, notifications: services.marketplaceNotifications, logger: services.logger }) };
}
