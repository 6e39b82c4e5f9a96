import { Command } from 'commander';
import { formatAccountId } from '../core/account-id.js';
import { parseAccountIdOption, parseEmailOption } from './options.js';
import type { TaskRunner } from './task.runner.js';

export function accountCommand(run: TaskRunner): Command {
  const account = new Command('account').description('Create customer portal accounts');

  account
    .command('create')
    .description('Create the portal account of a licensed AWS account; the customer gets a one-time password by email and must change it at first sign-in')
    .requiredOption('--account <id>', '12-digit AWS account ID (dashes and spaces allowed); it needs a licence that is not revoked', parseAccountIdOption)
    .requiredOption('--email <address>', "the customer's contact email, where the one-time password is sent", parseEmailOption)
    .action((options: { account: string; email: string }) =>
      run(async (services) => {
        const created = await services.accountProvisioning.createWithOneTimePassword({ awsAccountId: options.account, email: options.email }, { actor: 'cli' });
        const lines = [
          `Created the portal account for AWS account ${formatAccountId(created.awsAccountId)}`,
          `  email                        ${created.email}`,
          `  one-time password expires    ${created.oneTimePasswordExpiresAt.toISOString()}`,
          // The password is never printed: only the customer's mailbox sees it.
          `The one-time password was emailed to ${created.email} (it is not shown here). At first sign-in the customer must choose a new password.`,
        ];
        if (services.config.smtpUrl === undefined) {
          lines.push(
            `No SMTP_URL is set: the email is not sent but kept in the outbox, encrypted, until the password expires: read it with 'webstream-portal outbox list' and 'outbox show --id <id>'.${services.config.development ? ' In development it is also printed in the log with LOG_LEVEL=info.' : ''}`,
          );
        }
        process.stdout.write(`${lines.join('\n')}\n`);
      }),
    );

  return account;
}
