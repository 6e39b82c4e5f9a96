/**
 * In-memory standard SQS queues: at-least-once delivery with visibility timeouts, receive counts, delays,
 * retention, a redrive policy (dead-letter queue), and long polling. Message visibility follows the
 * emulator's clock (tests move it); long-poll waits are real time.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { AwsError } from './aws-protocol.js';
import { md5Hex, md5OfMessageAttributes, type MessageAttributeValue } from './sqs.checksums.js';

export interface SqsMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  messageAttributes: Record<string, MessageAttributeValue> | undefined;
  md5OfMessageAttributes: string | undefined;
  sentAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt: number | undefined;
  /** Only the most recent receipt handle can delete the message or change its visibility. */
  receiptHandle: string | undefined;
}

export interface Queue {
  name: string;
  arn: string;
  createdAt: number;
  lastModifiedAt: number;
  attributes: Record<string, string>;
  messages: SqsMessage[];
}

export const sqsError = {
  queueDoesNotExist: () => new AwsError('QueueDoesNotExist', 'The specified queue does not exist.', 400, 'AWS.SimpleQueueService.NonExistentQueue'),
  invalidParameter: (message: string) => new AwsError('InvalidParameterValue', message, 400, 'InvalidParameterValue'),
  missingParameter: (message: string) => new AwsError('MissingParameter', message, 400, 'MissingParameter'),
  invalidAttributeName: (name: string) => new AwsError('InvalidAttributeName', `Unknown Attribute ${name}.`, 400, 'InvalidAttributeName'),
  invalidAttributeValue: (message: string) => new AwsError('InvalidAttributeValue', message, 400, 'InvalidAttributeValue'),
  receiptHandleInvalid: () => new AwsError('ReceiptHandleIsInvalid', 'The input receipt handle is invalid.', 404, 'ReceiptHandleIsInvalid'),
  notInflight: () => new AwsError('MessageNotInflight', 'The message referred to is not in flight.', 400, 'AWS.SimpleQueueService.MessageNotInflight'),
  queueNameExists: (name: string) => new AwsError('QueueNameExists', `A queue already exists with the same name (${name}) and a different value for an attribute.`, 400, 'QueueAlreadyExists'),
};

/** Settable attributes: default and allowed range (seconds or bytes). */
const NUMERIC_ATTRIBUTES: Record<string, { default: number; min: number; max: number }> = {
  DelaySeconds: { default: 0, min: 0, max: 900 },
  MaximumMessageSize: { default: 262_144, min: 1024, max: 1_048_576 },
  MessageRetentionPeriod: { default: 345_600, min: 60, max: 1_209_600 },
  ReceiveMessageWaitTimeSeconds: { default: 0, min: 0, max: 20 },
  VisibilityTimeout: { default: 30, min: 0, max: 43_200 },
};
const OTHER_SETTABLE = ['Policy', 'RedrivePolicy', 'RedriveAllowPolicy', 'KmsMasterKeyId', 'KmsDataKeyReusePeriodSeconds', 'SqsManagedSseEnabled'];

export interface ReceiveOptions {
  maxMessages: number;
  visibilityTimeout: number | undefined;
  waitSeconds: number | undefined;
  /** Ends a long poll early (client gone, emulator stopping) without taking messages. */
  signal?: AbortSignal;
}

export type SqsQueues = ReturnType<typeof createSqsQueues>;

export function createSqsQueues(options: { clock: Clock; accountId: string; region: string; baseUrl: () => string }) {
  const { clock, accountId, region } = options;
  const queues = new Map<string, Queue>();
  const issuedHandles = new Map<string, { queue: string; messageId: string }>();
  const waiters = new Set<() => void>();
  const now = () => clock.now().getTime();

  const wakeWaiters = () => {
    for (const wake of waiters) wake();
  };

  function validateAttributes(attributes: Record<string, string>): Record<string, string> {
    const result: Record<string, string> = {};
    for (const [name, value] of Object.entries(attributes)) {
      const numeric = NUMERIC_ATTRIBUTES[name];
      if (numeric !== undefined) {
        const n = Number(value);
        if (!/^\d+$/.test(value) || n < numeric.min || n > numeric.max) throw sqsError.invalidAttributeValue(`Invalid value for the parameter ${name}: ${numeric.min} to ${numeric.max}.`);
      } else if (name === 'FifoQueue' || name === 'ContentBasedDeduplication') {
        if (value === 'true') throw sqsError.invalidAttributeValue('The emulator serves standard queues only (no FIFO).');
      } else if (!OTHER_SETTABLE.includes(name)) {
        throw sqsError.invalidAttributeName(name);
      }
      if (name === 'RedrivePolicy') parseRedrivePolicy(value);
      result[name] = value;
    }
    return result;
  }

  function parseRedrivePolicy(value: string): { deadLetterQueueName: string; maxReceiveCount: number } {
    try {
      const policy = JSON.parse(value) as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
      const arn = typeof policy.deadLetterTargetArn === 'string' ? policy.deadLetterTargetArn : '';
      const max = Number(policy.maxReceiveCount);
      if (!arn.startsWith('arn:aws:sqs:') || !Number.isInteger(max) || max < 1 || max > 1000) throw new Error('bad policy');
      return { deadLetterQueueName: arn.slice(arn.lastIndexOf(':') + 1), maxReceiveCount: max };
    } catch {
      throw sqsError.invalidAttributeValue('Value for parameter RedrivePolicy is invalid: it needs deadLetterTargetArn and maxReceiveCount (1 to 1000).');
    }
  }

  const attribute = (queue: Queue, name: string): number => Number(queue.attributes[name] ?? NUMERIC_ATTRIBUTES[name]?.default ?? 0);

  function dropExpired(queue: Queue): void {
    const oldest = now() - attribute(queue, 'MessageRetentionPeriod') * 1000;
    queue.messages = queue.messages.filter((m) => m.sentAt >= oldest);
  }

  function urlOf(queue: Queue): string {
    return `${options.baseUrl()}/${accountId}/${queue.name}`;
  }

  function byUrl(queueUrl: string): Queue {
    let path: string;
    try {
      path = new URL(queueUrl).pathname;
    } catch {
      throw sqsError.queueDoesNotExist();
    }
    const [account, name, ...rest] = path.split('/').filter((p) => p !== '');
    const queue = name === undefined ? undefined : queues.get(name);
    if (account !== accountId || queue === undefined || rest.length > 0) throw sqsError.queueDoesNotExist();
    return queue;
  }

  /** Takes up to `max` visible messages, moving those past the redrive limit to the dead-letter queue. */
  function takeVisible(queue: Queue, max: number, visibilityTimeout: number): SqsMessage[] {
    dropExpired(queue);
    const at = now();
    const redrive = queue.attributes.RedrivePolicy === undefined ? undefined : parseRedrivePolicy(queue.attributes.RedrivePolicy);
    const taken: SqsMessage[] = [];
    for (const message of [...queue.messages]) {
      if (taken.length >= max) break;
      if (message.visibleAt > at) continue;
      const deadLetter = redrive === undefined ? undefined : queues.get(redrive.deadLetterQueueName);
      if (redrive !== undefined && deadLetter !== undefined && message.receiveCount >= redrive.maxReceiveCount) {
        queue.messages.splice(queue.messages.indexOf(message), 1);
        deadLetter.messages.push({ ...message, visibleAt: at, receiptHandle: undefined });
        continue;
      }
      message.receiveCount += 1;
      message.firstReceivedAt ??= at;
      message.visibleAt = at + visibilityTimeout * 1000;
      message.receiptHandle = randomBytes(48).toString('base64');
      issuedHandles.set(message.receiptHandle, { queue: queue.name, messageId: message.messageId });
      taken.push(message);
    }
    return taken;
  }

  function messageFor(queue: Queue, receiptHandle: string): { message: SqsMessage | undefined } {
    const issued = issuedHandles.get(receiptHandle);
    if (issued?.queue !== queue.name) throw sqsError.receiptHandleInvalid();
    return { message: queue.messages.find((m) => m.messageId === issued.messageId) };
  }

  return {
    urlOf,
    byUrl,
    list: () => [...queues.values()],

    byName(name: string): Queue {
      const queue = queues.get(name);
      if (queue === undefined) throw sqsError.queueDoesNotExist();
      return queue;
    },

    create(name: string, attributes: Record<string, string> = {}): Queue {
      if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) throw sqsError.invalidParameter('Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length.');
      const validated = validateAttributes(attributes);
      const existing = queues.get(name);
      if (existing !== undefined) {
        if (Object.entries(validated).some(([k, v]) => (existing.attributes[k] ?? String(NUMERIC_ATTRIBUTES[k]?.default ?? '')) !== v)) throw sqsError.queueNameExists(name);
        return existing;
      }
      const at = now();
      const queue: Queue = { name, arn: `arn:aws:sqs:${region}:${accountId}:${name}`, createdAt: at, lastModifiedAt: at, attributes: validated, messages: [] };
      queues.set(name, queue);
      return queue;
    },

    delete(queue: Queue): void {
      queues.delete(queue.name);
    },

    setAttributes(queue: Queue, attributes: Record<string, string>): void {
      Object.assign(queue.attributes, validateAttributes(attributes));
      queue.lastModifiedAt = now();
    },

    send(queue: Queue, body: string, options: { delaySeconds?: number; messageAttributes?: Record<string, MessageAttributeValue> } = {}): SqsMessage {
      const size = Buffer.byteLength(body, 'utf8');
      if (size === 0) throw sqsError.missingParameter('The request must contain the parameter MessageBody.');
      if (size > attribute(queue, 'MaximumMessageSize')) throw sqsError.invalidParameter(`One or more parameters are invalid. Reason: Message must be shorter than ${attribute(queue, 'MaximumMessageSize')} bytes.`);
      const at = now();
      const attributes = options.messageAttributes !== undefined && Object.keys(options.messageAttributes).length > 0 ? options.messageAttributes : undefined;
      const message: SqsMessage = {
        messageId: randomUUID(),
        body,
        md5OfBody: md5Hex(body),
        messageAttributes: attributes,
        md5OfMessageAttributes: attributes === undefined ? undefined : md5OfMessageAttributes(attributes),
        sentAt: at,
        visibleAt: at + (options.delaySeconds ?? attribute(queue, 'DelaySeconds')) * 1000,
        receiveCount: 0,
        firstReceivedAt: undefined,
        receiptHandle: undefined,
      };
      queue.messages.push(message);
      wakeWaiters();
      return message;
    },

    /** ReceiveMessage: returns at once when messages are visible, else waits up to the wait time for some. */
    async receive(queue: Queue, receive: ReceiveOptions): Promise<SqsMessage[]> {
      const visibility = receive.visibilityTimeout ?? attribute(queue, 'VisibilityTimeout');
      const deadline = performance.now() + (receive.waitSeconds ?? attribute(queue, 'ReceiveMessageWaitTimeSeconds')) * 1000;
      for (;;) {
        if (receive.signal?.aborted === true) return [];
        const taken = takeVisible(queue, receive.maxMessages, visibility);
        const remaining = deadline - performance.now();
        if (taken.length > 0 || remaining <= 0) return taken;
        // Woken by a send or a visibility change; the short cap also notices visibility timeouts running out.
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            waiters.delete(done);
            receive.signal?.removeEventListener('abort', done);
            resolve();
          };
          const timer = setTimeout(done, Math.min(remaining, 200));
          waiters.add(done);
          receive.signal?.addEventListener('abort', done);
        });
      }
    },

    deleteMessage(queue: Queue, receiptHandle: string): void {
      const { message } = messageFor(queue, receiptHandle);
      // AWS: with an older receipt handle the call succeeds but the message is not deleted.
      if (message !== undefined && message.receiptHandle === receiptHandle) queue.messages.splice(queue.messages.indexOf(message), 1);
    },

    changeVisibility(queue: Queue, receiptHandle: string, timeoutSeconds: number): void {
      const { message } = messageFor(queue, receiptHandle);
      if (message === undefined) throw sqsError.receiptHandleInvalid();
      if (message.receiptHandle !== receiptHandle || message.visibleAt <= now()) throw sqsError.notInflight();
      message.visibleAt = now() + timeoutSeconds * 1000;
      if (timeoutSeconds === 0) wakeWaiters();
    },

    purge(queue: Queue): void {
      queue.messages = [];
    },

    attributesOf(queue: Queue): Record<string, string> {
      dropExpired(queue);
      const at = now();
      const defaults = Object.fromEntries(Object.entries(NUMERIC_ATTRIBUTES).map(([k, v]) => [k, String(v.default)]));
      return {
        ...defaults,
        ...queue.attributes,
        QueueArn: queue.arn,
        ApproximateNumberOfMessages: String(queue.messages.filter((m) => m.visibleAt <= at).length),
        ApproximateNumberOfMessagesNotVisible: String(queue.messages.filter((m) => m.visibleAt > at && m.receiveCount > 0).length),
        ApproximateNumberOfMessagesDelayed: String(queue.messages.filter((m) => m.visibleAt > at && m.receiveCount === 0).length),
        CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
        LastModifiedTimestamp: String(Math.floor(queue.lastModifiedAt / 1000)),
      };
    },

    reset(): void {
      for (const queue of queues.values()) queue.messages = [];
      issuedHandles.clear();
    },
  };
}
