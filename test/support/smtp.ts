import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string;
  subject: string;
  text: string;
}

/** A real SMTP server on loopback that keeps what it receives, for tests to read. */
export interface TestInbox {
  url: string;
  messages: ReceivedMail[];
  /** Waits for a message to `to` whose subject matches, delivered after `since` messages. */
  waitFor(to: string, subject: RegExp, options?: { timeoutMs?: number }): Promise<ReceivedMail>;
  /** Stops listening, so connections are refused (an SMTP outage); `start()` listens on the same port again. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startInbox(): Promise<TestInbox> {
  const messages: ReceivedMail[] = [];
  // A new SMTPServer for each start: a closed one is not meant to listen again.
  const newServer = () => new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          const to = Array.isArray(mail.to) ? mail.to.map((a) => a.text).join(', ') : (mail.to?.text ?? '');
          messages.push({ to, subject: mail.subject ?? '', text: mail.text ?? '' });
          callback();
        })
        .catch((error: unknown) => callback(error instanceof Error ? error : new Error(String(error))));
    },
  });
  const first = newServer();
  await new Promise<void>((resolve) => first.listen(0, '127.0.0.1', resolve));
  const address = first.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  let server: SMTPServer | undefined = first;
  const stop = async () => {
    const running = server;
    server = undefined;
    if (running !== undefined) await new Promise<void>((resolve) => running.close(() => resolve()));
  };
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    async waitFor(to, subject, { timeoutMs = 10_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find((m) => m.to.includes(to) && subject.test(m.subject));
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`No email to ${to} matching ${subject} arrived (got: ${messages.map((m) => `${m.to}: ${m.subject}`).join('; ') || 'none'})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop,
    async start() {
      if (server !== undefined) return;
      const restarted = newServer();
      await new Promise<void>((resolve, reject) => {
        restarted.server.once('error', reject);
        restarted.listen(port, '127.0.0.1', resolve);
      });
      server = restarted;
    },
    close: stop,
  };
}

/** The first URL in an email body that starts with `prefix`. */
export function linkIn(mail: ReceivedMail, prefix: string): string {
  const match = mail.text.match(new RegExp(`${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^\\s]*`));
  if (!match) throw new Error(`No link starting ${prefix} in: ${mail.text}`);
  return match[0];
}
