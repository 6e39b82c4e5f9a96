import { Command, InvalidArgumentError } from 'commander';
import { formatAccountId } from '../core/account-id.js';
import { parsePositiveInteger } from './options.js';
import type { TaskRunner } from './task.runner.js';

type LifecycleAction = 'approve' | 'reject' | 'suspend' | 'reinstate' | 'renew' | 'revoke';

const DESCRIPTIONS: Record<LifecycleAction, string> = {
  approve: 'Approve a requested licence (it becomes active)',
  reject: 'Turn down a requested licence (it is revoked)',
  suspend: 'Suspend an active licence (its instances stop validating)',
  reinstate: 'Reinstate a suspended licence',
  renew: 'Renew an active or expired licence with a new end date',
  revoke: 'Revoke a licence (final: it cannot be undone)',
};

function parseLicenceId(value: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) throw new InvalidArgumentError('Expected a licence ID (a UUID, as `licence list` shows).');
  return value.toLowerCase();
}

function parseReason(value: string): string {
  const reason = value.trim();
  if (reason.length < 3 || reason.length > 500) throw new InvalidArgumentError('Give a reason of 3 to 500 characters; it is kept in the licence history.');
  return reason;
}

/** `licence approve|reject|suspend|reinstate|renew|revoke --id <id> --reason <text>`: one lifecycle transition each, recorded with the reason. */
export function addLicenceLifecycleCommands(licence: Command, run: TaskRunner): void {
  for (const action of Object.keys(DESCRIPTIONS) as LifecycleAction[]) {
    const command = licence
      .command(action)
      .description(DESCRIPTIONS[action])
      .requiredOption('--id <id>', 'the licence ID', parseLicenceId)
      .requiredOption('--reason <text>', 'why (kept in the licence history and the audit log)', parseReason);
    if (action === 'renew') command.requiredOption('--days <n>', 'days from now until the new end date', parsePositiveInteger(36500));
    if (action === 'approve') command.option('--days <n>', 'days from now until the end date (default: keep the requested one)', parsePositiveInteger(36500));
    command.action((options: { id: string; reason: string; days?: number }) =>
      run(async (services) => {
        const now = services.clock.now();
        const endsAt = options.days === undefined ? undefined : new Date(now.getTime() + options.days * 86_400_000);
        const by = { actor: 'cli', reason: options.reason };
        const command = action === 'renew' ? { action, endsAt: endsAt ?? null } : action === 'approve' ? { action, ...(endsAt === undefined ? {} : { endsAt }) } : { action };
        const before = await services.licences.find(options.id);
        const updated = await services.licences.transition(options.id, command, by);
        process.stdout.write(
          `Licence ${updated.id} (${formatAccountId(updated.aws_account_id)}, ${updated.plan}): ${before?.status ?? '?'} → ${updated.status}${updated.ends_at === null ? '' : `, ends ${updated.ends_at.toISOString()}`}\n`,
        );
      }),
    );
  }
}
