import { Command, InvalidArgumentError } from 'commander';
import type { OutboxEnvelope } from '../mail/mailer.js';
import { parsePositiveInteger } from './options.js';
import type { TaskRunner } from './task.runner.js';

function parseOutboxId(value: string): string {
  if (!/^\d{1,18}$/.test(value)) throw new InvalidArgumentError('An outbox message id is a whole number (see: webstream-portal outbox list).');
  return value;
}

const time = (date: Date | null) => date?.toISOString().replace(/\.\d{3}Z$/, 'Z') ?? '-';

/** The body's state, in words: `kept`, `erased` (delivered, or its secret expired) or the expiry still to come. */
function bodyState(message: OutboxEnvelope): string {
  if (!message.hasBody) return 'erased';
  return message.secretExpiresAt === null ? 'kept' : `kept until ${time(message.secretExpiresAt)}`;
}

export function outboxCommand(run: TaskRunner): Command {
  const outbox = new Command('outbox').description('Read the email outbox (with no SMTP_URL it is where emails are delivered)');

  outbox
    .command('list')
    .description('List queued and sent emails, newest first (envelopes only: no bodies)')
    .option('--limit <n>', 'at most this many', parsePositiveInteger(10000), 100)
    .option('--json', 'print JSON instead of a table')
    .action((options: { limit: number; json?: boolean }) =>
      run(async (services) => {
        const messages = await services.mailer.listMessages(options.limit);
        if (options.json === true) {
          process.stdout.write(`${JSON.stringify(messages, null, 2)}\n`);
          return;
        }
        if (messages.length === 0) {
          process.stdout.write('The outbox is empty.\n');
          return;
        }
        const lines = messages.map((m) => [m.id, time(m.createdAt), m.status, m.template, m.to, bodyState(m), m.subject]);
        const header = ['ID', 'QUEUED', 'STATUS', 'TEMPLATE', 'TO', 'BODY', 'SUBJECT'];
        const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
        for (const line of [header, ...lines]) process.stdout.write(`${line.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()}\n`);
      }),
    );

  outbox
    .command('show')
    .description("Print one email with its body, while it is kept: until it is delivered or its secret (link, code, password) expires")
    .requiredOption('--id <id>', 'the message id from `outbox list`', parseOutboxId)
    .action((options: { id: string }) =>
      run(async (services) => {
        const message = await services.mailer.readMessage(options.id);
        if (message === undefined) {
          process.stderr.write(`No outbox message ${options.id}.\n`);
          process.exitCode = 1;
          return;
        }
        const lines = [
          `To:        ${message.to}`,
          `Subject:   ${message.subject}`,
          `Template:  ${message.template}`,
          `Status:    ${message.status}${message.lastError === null ? '' : ` (${message.lastError})`}`,
          `Queued:    ${time(message.createdAt)}`,
          `Sent:      ${time(message.sentAt)}`,
          `Secret expires: ${time(message.secretExpiresAt)}`,
          '',
          message.text ?? `(The body was erased: ${message.sentAt === null ? 'its secret expired' : 'it was delivered'}.)`,
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      }),
    );

  return outbox;
}
