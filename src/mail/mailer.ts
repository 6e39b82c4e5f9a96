import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { KeysetCursor } from '../core/keyset-cursor.js';
import type { Db } from '../db/database.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import type { MailStatus } from '../db/schema.js';
import type { OutboxRepo } from './outbox.repo.js';
import { createBodySeal } from './outbox.seal.js';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  /** Which email this is (`password_reset`, `welcome`…): one name per email builder, kept for the record. */
  template: string;
  /** When the secret in the body (link, code, password) stops working; from then on the body is erased. */
  secretExpiresAt?: Date;
}

/** What the outbox keeps of a message for the record. */
export interface OutboxEnvelope {
  id: string;
  to: string;
  subject: string;
  template: string;
  status: MailStatus;
  attempts: number;
  createdAt: Date;
  sentAt: Date | null;
  secretExpiresAt: Date | null;
  lastError: string | null;
  /** Whether the body is still kept (sealed): until delivery, or until its secret expires. */
  hasBody: boolean;
}

export interface OutboxMessage extends OutboxEnvelope {
  /** The decrypted body; undefined once it was delivered or its secret expired. */
  text: string | undefined;
}

export interface Mailer {
  /**
   * Queues a message in the outbox, inside the caller's transaction when given, so an email is sent
   * exactly when its change commits. Queuing is one insert: requests that send mail take no longer
   * than those that do not (no account enumeration through timing).
   */
  enqueue(message: MailMessage, db?: Db): Promise<void>;
  /** Sends what is due now (the dispatcher calls this; tests call it to deliver at once). */
  deliverPending(): Promise<number>;
  /** Starts delivering in the background; returns a function that stops it. */
  startDispatcher(intervalMs?: number): () => Promise<void>;
  /** Envelopes, newest first (the CLI's `outbox list`, later the admin panel). */
  listMessages(limit?: number): Promise<OutboxEnvelope[]>;
  /** A page of envelopes, newest first, after the cursor of the previous page (the admin panel's outbox). */
  listPage(options: { after?: KeysetCursor | undefined; limit: number }): Promise<{ messages: OutboxEnvelope[]; next: KeysetCursor | undefined }>;
  /** One message with its body while that is kept and its secret live: with no SMTP server, this is the delivery channel. */
  readMessage(id: string): Promise<OutboxMessage | undefined>;
  /** Erases bodies whose secret expired and deletes rows past the retention period (the server's sweep). */
  purgeExpired(): Promise<{ bodiesErased: number; rowsDeleted: number }>;
  /** Seals bodies left in plain text by the upgrade to migration 0008 (at start, and before any read). */
  sealLegacyBodies(): Promise<number>;
}

const MAX_ATTEMPTS = 8;
/** How long a row (recipient, subject, template, status, times) stays for the record after it was queued. */
export const OUTBOX_RETENTION_DAYS = 30;
/** Pre-0008 bodies name no expiry: the longest-lived secret the portal emails (one-time password, welcome link). */
const LEGACY_SECRET_DAYS = 7;

export function createMailer(deps: { db: Db; outbox: OutboxRepo; clock: Clock; logger: Logger; smtpUrl: string | undefined; mailFrom: string; logBodies: boolean; secretKey: string }): Mailer {
  const transport = deps.smtpUrl === undefined ? undefined : nodemailer.createTransport(deps.smtpUrl);
  const { outbox } = deps;
  const bodies = createBodySeal(deps.secretKey);
  let wake: (() => void) | undefined;

  async function sealLegacyBodies(): Promise<number> {
    const rows = await outbox.legacyPlainBodies();
    for (const row of rows) {
      const text = row.legacy_text_body ?? '';
      const expiresAt = new Date(row.created_at.getTime() + LEGACY_SECRET_DAYS * 86_400_000);
      await outbox.sealLegacyBody(row.id, bodies.seal({ to: row.to_address, template: row.template }, text), expiresAt);
    }
    return rows.length;
  }
  // Once per process, before anything reads the outbox; a failure is retried on the next call.
  let legacySealed: Promise<number> | undefined;
  const ensureLegacySealed = (): Promise<number> => {
    legacySealed ??= sealLegacyBodies().catch((error: unknown) => {
      legacySealed = undefined;
      throw error;
    });
    return legacySealed;
  };

  async function deliverPending(): Promise<number> {
    if (transport === undefined) return 0;
    await ensureLegacySealed();
    let delivered = 0;
    for (;;) {
      const sent = await deps.db.transaction().execute(async (trx) => {
        const now = deps.clock.now();
        const message = await outbox.claimDue(now, trx);
        if (message === undefined) return false;
        const attempts = message.attempts + 1;
        try {
          const text = bodies.open({ to: message.to_address, template: message.template }, message.body_sealed ?? '');
          await transport.sendMail({ from: deps.mailFrom, to: message.to_address, subject: message.subject, text });
          await outbox.markSent(message.id, attempts, deps.clock.now(), trx);
        } catch (error) {
          const failedForGood = attempts >= MAX_ATTEMPTS;
          deps.logger.warn({ err: error, outboxId: message.id, attempts }, failedForGood ? 'email delivery failed for good' : 'email delivery failed, will retry');
          await outbox.markAttemptFailed(
            message.id,
            {
              attempts,
              failedForGood,
              error: error instanceof Error ? error.message : String(error),
              retryAt: new Date(deps.clock.now().getTime() + 2 ** attempts * 1000),
            },
            trx,
          );
        }
        return true;
      });
      if (!sent) return delivered;
      delivered++;
    }
  }

  function envelopeOf(row: Awaited<ReturnType<typeof outbox.list>>[number]): OutboxEnvelope {
    return {
      id: row.id,
      to: row.to_address,
      subject: row.subject,
      template: row.template,
      status: row.status,
      attempts: row.attempts,
      createdAt: row.created_at,
      sentAt: row.sent_at,
      secretExpiresAt: row.secret_expires_at,
      lastError: row.last_error,
      hasBody: row.has_body,
    };
  }

  return {
    async enqueue(message, db = deps.db) {
      const envelope = { to: message.to, template: message.template };
      await outbox.insert(
        {
          to: message.to,
          subject: message.subject,
          template: message.template,
          bodySealed: bodies.seal(envelope, message.text),
          secretExpiresAt: message.secretExpiresAt ?? null,
          status: transport === undefined ? 'kept' : 'pending',
          now: deps.clock.now(),
        },
        db,
      );
      if (transport === undefined) {
        // No SMTP server: the outbox is the mailbox. In development the log shows the body so links can be
        // followed; in production it would put reset links in the logs, so only the envelope is logged.
        const mail = deps.logBodies ? { to: message.to, subject: message.subject, text: message.text } : { to: message.to, subject: message.subject };
        deps.logger.info({ mail }, 'email kept in the outbox (no SMTP_URL)');
      } else {
        wake?.();
      }
    },
    deliverPending,
    async listMessages(limit = 100) {
      await ensureLegacySealed();
      // A body past its secret's expiry counts as gone even before the sweep erases it.
      const now = deps.clock.now();
      return (await outbox.list(limit)).map((row) => {
        const envelope = envelopeOf(row);
        return { ...envelope, hasBody: envelope.hasBody && (envelope.secretExpiresAt === null || envelope.secretExpiresAt > now) };
      });
    },
    async listPage({ after, limit }) {
      await ensureLegacySealed();
      const now = deps.clock.now();
      const rows = await outbox.page(after?.id, limit + 1);
      const messages = rows.slice(0, limit).map((row) => {
        const envelope = envelopeOf(row);
        return { ...envelope, hasBody: envelope.hasBody && (envelope.secretExpiresAt === null || envelope.secretExpiresAt > now) };
      });
      const last = messages.at(-1);
      return { messages, next: rows.length > limit && last !== undefined ? { at: last.createdAt, id: last.id } : undefined };
    },
    async readMessage(id) {
      await ensureLegacySealed();
      const row = await outbox.find(id);
      if (row === undefined) return undefined;
      const live = row.body_sealed !== null && (row.secret_expires_at === null || row.secret_expires_at > deps.clock.now());
      const envelope = envelopeOf({ ...row, has_body: live });
      if (!live || row.body_sealed === null) return { ...envelope, text: undefined };
      try {
        return { ...envelope, text: bodies.open(envelope, row.body_sealed) };
      } catch {
        throw new Error(`The body of outbox message ${envelope.id} does not open: it was sealed under another SECRET_KEY, or altered.`);
      }
    },
    async purgeExpired() {
      await ensureLegacySealed();
      const now = deps.clock.now();
      const bodiesErased = await outbox.eraseExpiredBodies(now);
      const rowsDeleted = await outbox.deleteCreatedBefore(new Date(now.getTime() - OUTBOX_RETENTION_DAYS * 86_400_000));
      return { bodiesErased, rowsDeleted };
    },
    sealLegacyBodies: ensureLegacySealed,
    startDispatcher(intervalMs = 2000) {
      if (transport === undefined) return () => Promise.resolve();
      let stopped = false;
      let running: Promise<void> = Promise.resolve();
      let timer: NodeJS.Timeout | undefined;
      const tick = (): void => {
        timer = undefined;
        running = deliverPending()
          .then(() => undefined)
          .catch((error: unknown) => {
            // An outage is retried at the next tick: one warning line, not a stack trace every tick.
            if (isDatabaseUnavailable(error)) deps.logger.warn({ reason: error instanceof Error ? error.message : String(error) }, 'email dispatcher: database unavailable');
            else deps.logger.error({ err: error }, 'email dispatcher failed');
          })
          .finally(() => {
            if (!stopped) timer = setTimeout(tick, intervalMs);
          });
      };
      wake = () => {
        if (timer !== undefined) {
          clearTimeout(timer);
          // Let the enqueuing transaction commit before looking.
          timer = setTimeout(tick, 20);
        }
      };
      tick();
      return async () => {
        stopped = true;
        wake = undefined;
        if (timer !== undefined) clearTimeout(timer);
        await running;
        transport.close();
      };
    },
  };
}
