import { readFileSync } from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AuditLog } from '../audit/audit.repo.js';
import type { Config } from '../config/config.js';
import { marketplaceTopicArns } from './notification.parse.js';
import { isSettled, type NotificationService } from './notification.service.js';
import { createSnsVerifier } from './sns.verifier.js';

const SNS_ENDPOINT_PATH = '/marketplace/sns';

/**
 * The SNS HTTPS subscription endpoint for the Marketplace topics. SNS posts from AWS: cross-site by nature,
 * no cookies, no CSRF token; the signature is the proof. A message that fails verification (wrong topic,
 * forged or tampered) is refused with 403 and nothing is stored. Subscription confirmations are confirmed;
 * notifications go through the same processing as the SQS queue. A 5xx makes SNS deliver again later.
 */
export interface SnsEndpointRouteDeps {
  notifications: Pick<NotificationService, 'receive'>;
  audit: AuditLog;
  config: Pick<Config, 'marketplaceProductCode' | 'snsCertHostPattern' | 'snsCaFile'>;
}

export function snsEndpointRoutes({ notifications, audit, config }: SnsEndpointRouteDeps): FastifyPluginAsyncTypebox {
  const productCode = config.marketplaceProductCode;
  const verifier =
    productCode === undefined
      ? undefined
      : createSnsVerifier({
          expectedTopics: marketplaceTopicArns(productCode),
          hostPattern: config.snsCertHostPattern,
          ...(config.snsCaFile === undefined ? {} : { extraCaPem: readFileSync(config.snsCaFile, 'utf8') }),
        });

  return async (app) => {
    app.post(
      SNS_ENDPOINT_PATH,
      // SNS envelopes carry a Message of up to 256 KiB, escaped once more inside the JSON.
      { config: { crossSite: true }, bodyLimit: 1024 * 1024, logLevel: 'warn' },
      async (req, reply) => {
        if (verifier === undefined) return reply.code(503).send({ error: 'Marketplace notifications are not configured (MARKETPLACE_PRODUCT_CODE).' });
        const verified = await verifier.verify(req.body);
        if (!verified.ok) {
          req.log.warn({ reason: verified.reason, ip: req.ip }, 'SNS message refused');
          return reply.code(verified.status).send({ error: verified.reason });
        }
        const { envelope } = verified;
        switch (envelope.Type) {
          case 'SubscriptionConfirmation': {
            const confirmed = await verifier.confirmSubscription(envelope);
            if (!confirmed.ok) {
              req.log.error({ topicArn: envelope.TopicArn, reason: confirmed.reason }, 'SNS subscription could not be confirmed');
              return reply.code(502).send({ error: confirmed.reason });
            }
            await audit.record({ event: 'marketplace.sns_subscription_confirmed', actor: 'marketplace', ip: req.ip, details: { topicArn: envelope.TopicArn, subscriptionArn: confirmed.subscriptionArn ?? null } });
            req.log.info({ topicArn: envelope.TopicArn, subscriptionArn: confirmed.subscriptionArn }, 'SNS subscription confirmed');
            return { confirmed: true };
          }
          case 'UnsubscribeConfirmation':
            // Only a visit to its SubscribeURL would resubscribe; an unsubscription is noted, not undone.
            req.log.warn({ topicArn: envelope.TopicArn }, 'SNS endpoint unsubscribed from a Marketplace topic');
            return { received: true };
          default: {
            const body = typeof req.body === 'string' ? req.body : JSON.stringify(envelope);
            const result = await notifications.receive({ source: 'sns-https', body });
            if (!isSettled(result)) {
              reply.header('retry-after', '30');
              return reply.code(503).send({ outcome: result.outcome });
            }
            return { outcome: result.outcome };
          }
        }
      },
    );
  };
}
