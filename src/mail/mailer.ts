import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import type { Clock } from '../config/clock.js';
import type { Db } from '../db/database.js';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
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
}

const MAX_ATTEMPTS = 8;

export function createMailer(deps: { db: Db; clock: Clock; logger: Logger; smtpUrl: string | undefined; mailFrom: string; logBodies: boolean }): Mailer {
  const transport = deps.smtpUrl === undefined ? undefined : nodemailer.createTransport(deps.smtpUrl);
  let wake: (() => void) | undefined;

  async function deliverPending(): Promise<number> {
    if (transport === undefined) return 0;
    let delivered = 0;
    for (;;) {
      // SKIP LOCKED: several portal processes share the outbox and each message goes out once.
      const sent = await deps.db.transaction().execute(async (trx) => {
        const message = await trx
          .selectFrom('mail_outbox')
          .selectAll()
          .where('status', '=', 'pending')
          .where('next_attempt_at', '<=', deps.clock.now())
          .orderBy('id')
          .limit(1)
          .forUpdate()
          .skipLocked()
          .executeTakeFirst();
        if (message === undefined) return false;
        try {
          await transport.sendMail({ from: deps.mailFrom, to: message.to_address, subject: message.subject, text: message.text_body });
          await trx.updateTable('mail_outbox').set({ status: 'sent', sent_at: deps.clock.now(), attempts: message.attempts + 1 }).where('id', '=', message.id).execute();
        } catch (error) {
          const attempts = message.attempts + 1;
          const failed = attempts >= MAX_ATTEMPTS;
          deps.logger.warn({ err: error, outboxId: message.id, attempts }, failed ? 'email delivery failed for good' : 'email delivery failed, will retry');
          await trx
            .updateTable('mail_outbox')
            .set({
              status: failed ? 'failed' : 'pending',
              attempts,
              last_error: error instanceof Error ? error.message : String(error),
              next_attempt_at: new Date(deps.clock.now().getTime() + 2 ** attempts * 1000),
            })
            .where('id', '=', message.id)
            .execute();
        }
        return true;
      });
      if (!sent) return delivered;
      delivered++;
    }
  }

  return {
    async enqueue(message, db = deps.db) {
      const now = deps.clock.now();
      await db
        .insertInto('mail_outbox')
        .values({
          to_address: message.to,
          subject: message.subject,
          text_body: message.text,
          created_at: now,
          next_attempt_at: now,
          status: transport === undefined ? 'kept' : 'pending',
        })
        .execute();
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
    startDispatcher(intervalMs = 2000) {
      if (transport === undefined) return () => Promise.resolve();
      let stopped = false;
      let running: Promise<void> = Promise.resolve();
      let timer: NodeJS.Timeout | undefined;
      const tick = (): void => {
        timer = undefined;
        running = deliverPending()
          .then(() => undefined)
          .catch((error: unknown) => deps.logger.error({ err: error }, 'email dispatcher failed'))
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
