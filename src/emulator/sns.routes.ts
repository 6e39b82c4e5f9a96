/**
 * SNS endpoints the emulator's messages point to: the signing certificate (SigningCertURL) and the
 * ConfirmSubscription / Unsubscribe links (SubscribeURL, UnsubscribeURL), answered with SNS's XML.
 */
import type { FastifyInstance } from 'fastify';
import { newRequestId } from './aws-protocol.js';
import type { EmulatorContext } from './emulator.context.js';

const xmlEscape = (text: string) => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

function snsXml(action: string, result: string): string {
  const ns = 'http://sns.amazonaws.com/doc/2010-03-31/';
  return `<?xml version="1.0"?>\n<${action}Response xmlns="${ns}">${result === '' ? '' : `<${action}Result>${result}</${action}Result>`}<ResponseMetadata><RequestId>${newRequestId()}</RequestId></ResponseMetadata></${action}Response>\n`;
}

function snsXmlError(code: string, message: string): string {
  return `<?xml version="1.0"?>\n<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${newRequestId()}</RequestId></ErrorResponse>\n`;
}

export function snsRoutes(app: FastifyInstance, context: EmulatorContext): void {
  app.get('/sns/cert.pem', async (_request, reply) => reply.type('application/x-x509-ca-cert').send(context.signer().certificatePem));

  app.get('/sns/', async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    reply.type('text/xml');
    if (query.Action === 'ConfirmSubscription') {
      const subscription = context.notifier.confirm(query.TopicArn ?? '', query.Token ?? '');
      if (subscription === undefined) return reply.code(400).send(snsXmlError('InvalidParameter', 'Invalid token'));
      context.log(`SNS subscription confirmed: ${subscription.endpoint} ← ${subscription.topicArn}`);
      return snsXml('ConfirmSubscription', `<SubscriptionArn>${xmlEscape(subscription.subscriptionArn)}</SubscriptionArn>`);
    }
    if (query.Action === 'Unsubscribe') {
      const subscription = context.notifier.unsubscribe(query.SubscriptionArn ?? '');
      // An unknown or already ended subscription gets the same answer: the link may be followed twice.
      if (subscription !== undefined) context.log(`SNS subscription ended: ${subscription.subscriptionArn}`);
      return snsXml('Unsubscribe', '');
    }
    return reply.code(400).send(snsXmlError('InvalidAction', `Unsupported action ${query.Action ?? '(none)'}.`));
  });
}
