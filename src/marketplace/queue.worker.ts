import type { Logger } from 'pino';
import type { NotificationQueue, QueueMessage } from './aws.types.js';
import { isSettled, type NotificationResult, type NotificationService } from './notification.service.js';

/** How soon a message another process is handling comes back to be settled as a duplicate. */
const IN_PROGRESS_RETRY_SECONDS = 2;

/**
 * The SQS poller for Marketplace notifications: long polls the queue, hands each message to the
 * notification service, and deletes it only once it is stored and done with (processed, ignored, a
 * duplicate, or failed for good). A message whose processing failed for a transient reason is left alone,
 * so SQS redelivers it after its visibility timeout; the service gives up after a few receives. Any number
 * of portal processes may poll the same queue: the database, not this worker, makes each message count once.
 */
export interface QueueWorkerOptions {
  queue: NotificationQueue;
  notifications: Pick<NotificationService, 'receive'>;
  logger: Logger;
  /** Long-poll wait (0–20 s); 20 by default. Tests use less so that stopping is quick to observe. */
  waitTimeSeconds?: number;
  /** Visibility timeout asked for each receive; by default the queue's own. */
  visibilityTimeoutSeconds?: number;
  /** Backoff after a failed poll: doubles from `initialMs` up to `maxMs` (with jitter). */
  backoff?: { initialMs: number; maxMs: number };
  /** Called after each message is handled (tests, metrics). */
  onHandled?: (result: NotificationResult, message: QueueMessage) => void;
}

export interface QueueWorker {
  start(): void;
  /** Stops polling: aborts the long poll, lets the message in hand finish, releases the rest of its batch. */
  stop(): Promise<void>;
  /** One receive and the handling of what it returned (the loop's step); how many messages came and how many failed. */
  pollOnce(signal?: AbortSignal): Promise<{ received: number; errors: number }>;
}

const MAX_MESSAGES = 10;

export function createQueueWorker(options: QueueWorkerOptions): QueueWorker {
  const { queue } = options;
  const log = options.logger.child({ component: 'marketplace-queue' });
  const backoff = options.backoff ?? { initialMs: 1_000, maxMs: 60_000 };
  const stopping = new AbortController();
  let loop: Promise<void> | undefined;
  // A function, not a property read: the flag changes while the loop awaits.
  const stopped = () => stopping.signal.aborted;

  async function handle(message: QueueMessage): Promise<void> {
    const { receiptHandle } = message;
    if (receiptHandle === undefined) return;
    const result = await options.notifications.receive({
      source: 'sqs',
      // An empty body cannot be a notification; it is stored as such and deleted.
      body: message.body ?? '',
      ...(message.messageId === undefined ? {} : { deliveryId: message.messageId }),
      ...(message.sentAt === undefined ? {} : { sentAt: message.sentAt }),
      ...(message.receiveCount === undefined ? {} : { receiveCount: message.receiveCount }),
    });
    if (isSettled(result)) await queue.delete(receiptHandle);
    // Another process holds this message's row right now (a duplicate delivery): look again shortly, when it
    // will be a settled duplicate, rather than after the whole visibility timeout.
    else if (result.outcome === 'in-progress') {
      await queue.changeVisibility(receiptHandle, IN_PROGRESS_RETRY_SECONDS).catch(() => undefined);
    }
    options.onHandled?.(result, message);
  }

  /** Makes messages this process will not handle (it is stopping) visible to other consumers at once. */
  async function release(messages: QueueMessage[]): Promise<void> {
    for (const message of messages) {
      if (message.receiptHandle === undefined) continue;
      await queue.changeVisibility(message.receiptHandle, 0).catch(() => undefined);
    }
  }

  async function pollOnce(signal?: AbortSignal): Promise<{ received: number; errors: number }> {
    const messages = await queue.receive({ maxMessages: MAX_MESSAGES, waitTimeSeconds: options.waitTimeSeconds ?? 20, visibilityTimeoutSeconds: options.visibilityTimeoutSeconds, signal });
    let errors = 0;
    for (const [index, message] of messages.entries()) {
      if (stopped()) {
        await release(messages.slice(index));
        break;
      }
      try {
        await handle(message);
      } catch (error) {
        // Not deleted: SQS delivers it again after its visibility timeout.
        errors += 1;
        log.error({ err: error, sqsMessageId: message.messageId }, 'Marketplace queue message could not be handled; it will come back');
      }
    }
    return { received: messages.length, errors };
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (!stopped()) {
      try {
        const { errors } = await pollOnce(stopping.signal);
        failures = errors > 0 ? failures + 1 : 0;
      } catch (error) {
        if (stopped()) break;
        failures += 1;
        log.warn({ err: error, failures }, 'Polling the Marketplace queue failed; backing off');
      }
      if (failures > 0) {
        const delay = Math.min(backoff.maxMs, backoff.initialMs * 2 ** (failures - 1));
        await sleep(delay * (0.5 + Math.random() / 2), stopping.signal);
      }
    }
  }

  return {
    start() {
      if (loop !== undefined) return;
      log.info({ queueUrl: queue.url }, 'polling the Marketplace notification queue');
      loop = run();
    },
    async stop() {
      stopping.abort();
      await loop;
    },
    pollOnce,
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
