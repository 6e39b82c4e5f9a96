import https from 'node:https';
import tls from 'node:tls';
import MessageValidator from 'sns-validator';

/**
 * Checks for messages posted by SNS to the HTTPS endpoint (aws-protocols.md §6): the topic must be one of
 * the product's two Marketplace topics (anyone can create a topic with the same name in their own account
 * and have SNS sign for it, so the whole ARN is compared), and the signature (SignatureVersion 1 or 2)
 * must verify with sns-validator against the certificate at SigningCertURL, which it fetches only over
 * https from a host matching the pattern (the real SNS hosts unless a development setting says otherwise).
 */
export type SnsEnvelope = Record<string, string>;

export type SnsVerification = { ok: true; envelope: SnsEnvelope } | { ok: false; status: 400 | 403; reason: string };

const TYPES = ['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'];

export interface SnsVerifierOptions {
  expectedTopics: readonly string[];
  hostPattern: RegExp;
  /** Development only: a certificate (the local emulator's) trusted besides the public roots for these https fetches. */
  extraCaPem?: string;
}

export function createSnsVerifier(options: SnsVerifierOptions) {
  const validator = new MessageValidator(options.hostPattern);
  const ca = options.extraCaPem === undefined ? undefined : [...tls.rootCertificates, options.extraCaPem];
  if (ca !== undefined) {
    // sns-validator fetches SigningCertURL with https.get and takes no agent: in development the process-wide
    // agent also trusts the emulator's certificate. Production (no MARKETPLACE_SNS_CA_FILE) is untouched.
    https.globalAgent.options.ca = ca;
  }
  const agent = ca === undefined ? undefined : new https.Agent({ ca });

  function validate(envelope: SnsEnvelope): Promise<Error | undefined> {
    return new Promise((resolve) => {
      validator.validate(envelope, (error) => {
        resolve(error ?? undefined);
      });
    });
  }

  return {
    /** Parses the posted body (SNS sends JSON as text/plain) and verifies topic and signature. */
    async verify(body: unknown): Promise<SnsVerification> {
      let json: unknown = body;
      if (typeof body === 'string') {
        try {
          json = JSON.parse(body);
        } catch {
          return { ok: false, status: 400, reason: 'The body is not JSON.' };
        }
      }
      if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, status: 400, reason: 'The body is not an SNS message.' };
      const envelope = json as Record<string, unknown>;
      if (!Object.values(envelope).every((v) => typeof v === 'string' || v === null)) return { ok: false, status: 400, reason: 'The body is not an SNS message.' };
      const fields = envelope as SnsEnvelope;
      if (!TYPES.includes(fields.Type ?? '')) return { ok: false, status: 400, reason: `Unknown SNS message type ${String(fields.Type).slice(0, 50)}.` };
      if (!options.expectedTopics.includes(fields.TopicArn ?? '')) return { ok: false, status: 403, reason: `Messages from topic ${String(fields.TopicArn).slice(0, 200)} are not accepted.` };
      const error = await validate(fields);
      if (error !== undefined) return { ok: false, status: 403, reason: `The SNS signature did not verify: ${error.message}` };
      return { ok: true, envelope: fields };
    },

    /**
     * Confirms a verified SubscriptionConfirmation by fetching its SubscribeURL: only https, only an SNS
     * host, only the ConfirmSubscription action for the message's own topic (never an arbitrary URL).
     */
    async confirmSubscription(envelope: SnsEnvelope): Promise<{ ok: true; subscriptionArn: string | undefined } | { ok: false; reason: string }> {
      let url: URL;
      try {
        url = new URL(envelope.SubscribeURL ?? '');
      } catch {
        return { ok: false, reason: 'The SubscribeURL is not a URL.' };
      }
      if (url.protocol !== 'https:' || !options.hostPattern.test(url.host)) return { ok: false, reason: `The SubscribeURL host ${url.host} is not an SNS host.` };
      if (url.searchParams.get('Action') !== 'ConfirmSubscription' || url.searchParams.get('TopicArn') !== envelope.TopicArn) {
        return { ok: false, reason: 'The SubscribeURL does not confirm this topic.' };
      }
      try {
        const { status, text } = await get(url, agent);
        if (status !== 200) return { ok: false, reason: `SNS answered ${status} to the confirmation.` };
        return { ok: true, subscriptionArn: /<SubscriptionArn>([^<]{1,1024})<\/SubscriptionArn>/.exec(text)?.[1] };
      } catch (error) {
        return { ok: false, reason: `The confirmation request failed: ${error instanceof Error ? error.message : String(error)}` };
      }
    },
  };
}

export type SnsVerifier = ReturnType<typeof createSnsVerifier>;

function get(url: URL, agent: https.Agent | undefined): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = https.get(url, { timeout: 10_000, ...(agent === undefined ? {} : { agent }) }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > 64 * 1024) request.destroy(new Error('response too large'));
        else chunks.push(chunk);
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
  });
}
