import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import type { Env } from '../config/config.js';
import { AppError } from '../core/errors.js';
import { createLicenceFileVerifier } from '../licence-files/licence-file.verify.js';
import { readKeySet } from './licence-file.check.js';
import { formatAccountId } from '../core/account-id.js';
import { parseAccountIdOption, parseEmailOption, parsePositiveInteger } from './options.js';
import { addLicenceLifecycleCommands } from './licence-lifecycle.commands.js';
import type { TaskRunner } from './task.runner.js';

function parsePlan(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/.test(value)) throw new InvalidArgumentError('A plan name is 1 to 64 letters, digits, spaces, dots, dashes or underscores.');
  return value;
}

function printTable(header: string[], lines: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  for (const line of [header, ...lines]) process.stdout.write(`${line.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()}\n`);
}

export function licenceCommand(run: TaskRunner, env: Env): Command {
  const licence = new Command('licence').description('Issue, list and change licences');

  licence
    .command('issue')
    .description('Issue an active licence to an AWS account')
    .requiredOption('--account <id>', '12-digit AWS account ID (dashes and spaces allowed)', parseAccountIdOption)
    .option('--plan <name>', 'plan (edition) name', parsePlan, 'standard')
    .option('--seats <n>', 'number of seats (concurrent activations)', parsePositiveInteger(100000), 1)
    .option('--days <n>', 'days until the licence ends (default: no end date)', parsePositiveInteger(36500))
    .option('--reason <text>', 'why it is issued (kept in the licence history)', 'Issued from the command line')
    .option('--contact-email <address>', "the customer's licence contact, emailed when a portal account is created for the AWS account", parseEmailOption)
    .action((options: { account: string; plan: string; seats: number; days?: number; reason: string; contactEmail?: string }) =>
      run(async (services) => {
        const now = services.clock.now();
        const endsAt = options.days === undefined ? null : new Date(now.getTime() + options.days * 86_400_000);
        const created = await services.licences.create(
          { awsAccountId: options.account, plan: options.plan, seats: options.seats, source: 'direct', endsAt, contactEmail: options.contactEmail ?? null },
          'issue',
          { actor: 'cli', reason: options.reason },
        );
        process.stdout.write(
          `Issued licence ${created.id}\n  AWS account  ${formatAccountId(created.aws_account_id)}\n  plan         ${created.plan}\n  seats        ${created.seats}\n  status       ${created.status}\n  ends         ${created.ends_at?.toISOString() ?? 'no end date'}\n  contact      ${created.contact_email ?? 'none'}\n`,
        );
      }),
    );

  licence
    .command('list')
    .description('List licences, newest first')
    .option('--account <id>', 'only this AWS account', parseAccountIdOption)
    .option('--json', 'print JSON instead of a table')
    .action((options: { account?: string; json?: boolean }) =>
      run(async (services) => {
        const rows = options.account === undefined ? await services.licences.listAll(1000) : await services.licences.listForAccount(options.account);
        if (options.json === true) {
          process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          return;
        }
        if (rows.length === 0) {
          process.stdout.write(options.account === undefined ? 'No licences yet. Issue one with: webstream-portal licence issue --account <id>\n' : `No licences for AWS account ${formatAccountId(options.account)}.\n`);
          return;
        }
        const inUse = await services.activations.seatsInUse(rows.map((r) => r.id));
        const lines = rows.map((r) => [r.id, formatAccountId(r.aws_account_id), r.plan, r.status, `${inUse.get(r.id) ?? 0}/${r.seats}`, r.source, r.ends_at?.toISOString().slice(0, 10) ?? '-']);
        printTable(['ID', 'AWS ACCOUNT', 'PLAN', 'STATUS', 'SEATS USED', 'SOURCE', 'ENDS'], lines);
        const pending = rows.filter((r) => r.status === 'requested');
        process.stdout.write(
          pending.length === 0
            ? '\nNo pending requests.\n'
            : `\n${pending.length} pending request${pending.length === 1 ? '' : 's'} (approve with: webstream-portal licence approve --id <id> --reason <text>):\n${pending
                .map((r) => `  ${r.id}  ${formatAccountId(r.aws_account_id)}  ${r.plan}  requested ${r.created_at.toISOString().slice(0, 10)}${r.requested_by_instance === null ? '' : ` by ${r.requested_by_instance}`}${r.request_note === null ? '' : `: "${r.request_note}"`}`)
                .join('\n')}\n`,
        );
      }),
    );

  licence
    .command('verify')
    .description('Verify a licence file offline, as a WebStream instance does, and say why it is not valid')
    .argument('<file>', 'the licence file (a compact JWS)')
    .option('--keys <jwks>', 'a JWKS file or URL (default: PUBLIC_URL/.well-known/jwks.json)')
    .option('--instance <id>', 'the instance the file must be for')
    .action(async (file: string, options: { keys?: string; instance?: string }) => {
      const token = await readFile(file, 'utf8').catch((error: unknown) => {
        throw new AppError('file_unreadable', `The licence file ${file} cannot be read: ${error instanceof Error ? error.message : String(error)}`, 1);
      });
      const source = options.keys ?? `${(env.PUBLIC_URL ?? 'http://localhost:3000').replace(/\/+$/, '')}/.well-known/jwks.json`;
      const verdict = createLicenceFileVerifier(await readKeySet(source)).verify(token, { now: new Date(), ...(options.instance === undefined ? {} : { instanceId: options.instance }) });
      if (!verdict.ok) {
        process.stdout.write(`NOT VALID (${verdict.reason}): ${verdict.detail}\n`);
        process.exitCode = 1;
        return;
      }
      const c = verdict.claims;
      const when = (s: number | null) => (s === null ? 'no end date' : new Date(s * 1000).toISOString());
      process.stdout.write(
        `VALID until ${when(c.exp)} (signed by key ${verdict.kid})\n  licence      ${c.sub}\n  AWS account  ${formatAccountId(c.aws_account_id)}\n  plan         ${c.plan}, ${c.seats} seat(s), ${c.status}\n  licence term ${when(c.starts_at)} to ${when(c.ends_at)}\n  instance     ${c.instance_id} (activation ${c.activation_id})\n  issuer       ${c.iss}\n`,
      );
    });

  addLicenceLifecycleCommands(licence, run);
  return licence;
}
