import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import type { Env } from '../config/config.js';
import { AppError } from '../core/errors.js';
import { callPortal, loadState, readIdentity, saveState, type InstanceState } from './instance-client.js';
import { verifyWithPortalKeys } from './licence-file.check.js';
import { parseEmailOption, parseHttpUrl } from './options.js';

interface CommonOptions {
  portalUrl?: string;
  imdsUrl: string;
  stateDir: string;
}

const say = (line: string) => process.stdout.write(`${line}\n`);

/**
 * `webstream-portal instance …`: plays a WebStream instance against a portal, as its admin panel would:
 * reads its identity from the instance metadata service, keeps its secret and licence file in the state
 * directory, and checks the licence file offline against the portal's published keys.
 */
export function instanceCommand(env: Env): Command {
  const instance = new Command('instance').description('Act as a WebStream instance: request, activate, heartbeat, validate, deactivate, show status');
  const defaults = {
    portalUrl: env.PUBLIC_URL,
    imdsUrl: env.AWS_EC2_METADATA_SERVICE_ENDPOINT ?? 'http://169.254.169.254',
    stateDir: env.WEBSTREAM_INSTANCE_STATE_DIR ?? path.join(os.homedir(), '.webstream-instance'),
  };
  const withCommon = (command: Command) =>
    command
      .option('--portal-url <url>', 'the licence portal (default: PUBLIC_URL, or the one this instance used before, or http://localhost:3000)', parseHttpUrl)
      .option('--imds-url <url>', 'the instance metadata service (the AWS emulator: http://127.0.0.1:4566/imds/<instance-id>)', parseHttpUrl, defaults.imdsUrl)
      .option('--state-dir <dir>', "where the instance keeps its secret and licence file", defaults.stateDir);

  async function context(options: CommonOptions) {
    const state = await loadState(options.stateDir);
    const portalUrl = options.portalUrl ?? state?.portalUrl ?? defaults.portalUrl ?? 'http://localhost:3000';
    return { state: state ?? { portalUrl }, portalUrl };
  }

  async function activated(options: CommonOptions) {
    const { state, portalUrl } = await context(options);
    if (state.instanceSecret === undefined || state.activationId === undefined) throw new AppError('not_activated', `This instance is not activated yet (no activation in ${options.stateDir}). Run: webstream-portal instance activate`, 1);
    return { state: { ...state, portalUrl }, secret: state.instanceSecret, activationId: state.activationId, portalUrl };
  }

  async function reportFile(state: InstanceState): Promise<void> {
    if (state.licenceFile === undefined) {
      say('Licence file: none yet.');
      return;
    }
    const check = await verifyWithPortalKeys(state.licenceFile, state.portalUrl, state.instanceId);
    say(check.ok ? `Licence file: valid offline until ${check.expiresAt.toISOString()} (key ${check.kid}).` : `Licence file: NOT valid: ${check.detail}`);
  }

  withCommon(instance.command('request'))
    .description('Request a licence for this AWS account (a trial at once, or a request the vendor approves)')
    .option('--contact-email <address>', 'who the vendor should contact', parseEmailOption)
    .option('--plan <name>', 'the plan (edition) asked for')
    .option('--note <text>', 'a note for the vendor')
    .action(async (options: CommonOptions & { contactEmail?: string; plan?: string; note?: string }) => {
      const { state, portalUrl } = await context(options);
      const identity = await readIdentity(options.imdsUrl);
      const { status, body } = await callPortal(portalUrl, 'POST', '/api/v1/licence-requests', { body: { identity, contactEmail: options.contactEmail, plan: options.plan, note: options.note } });
      const licence = body.licence as { id: string; status: string; plan: string; seats: number; endsAt: string | null; awsAccountId: string };
      await saveState(options.stateDir, { ...state, portalUrl, licenceId: licence.id, awsAccountId: licence.awsAccountId });
      const what = body.outcome === 'trial_granted' ? 'A trial licence was granted' : body.outcome === 'requested' ? 'The request was recorded; the vendor approves it' : 'This account already has a licence';
      say(`${what} (HTTP ${status}).\n  licence  ${licence.id}\n  status   ${licence.status}\n  plan     ${licence.plan}, ${licence.seats} seat(s)\n  ends     ${licence.endsAt ?? 'no end date'}`);
      say(`Next: create the portal account for AWS account ${licence.awsAccountId} at ${portalUrl}/portal/register (or run: webstream-portal instance portal-link), then: webstream-portal instance activate`);
    });

  withCommon(instance.command('portal-link'))
    .description("Get a single-use link that opens the portal's registration (or sign-in) with this AWS account proven")
    .action(async (options: CommonOptions) => {
      const { portalUrl } = await context(options);
      const identity = await readIdentity(options.imdsUrl);
      const { body } = await callPortal(portalUrl, 'POST', '/api/v1/portal-links', { body: { identity } });
      say(`Open within 15 minutes (works once):\n  ${String(body.url)}`);
    });

  withCommon(instance.command('activate'))
    .description('Take a seat on a licence of this AWS account and keep the licence file')
    .option('--licence <id>', "which licence (default: the account's usable licence with a free seat that runs longest)")
    .option('--hostname <name>', 'the host name shown on My Entitlements', os.hostname())
    .action(async (options: CommonOptions & { licence?: string; hostname: string }) => {
      const { state, portalUrl } = await context(options);
      const identity = await readIdentity(options.imdsUrl);
      const { status, body } = await callPortal(portalUrl, 'POST', '/api/v1/activations', {
        body: { identity, hostname: options.hostname, productVersion: 'webstream-portal-cli', ...(options.licence === undefined ? {} : { licenceId: options.licence }) },
        secret: state.instanceSecret,
      });
      const activation = body.activation as { id: string; licenceId: string; instanceId: string; region: string; heartbeatIntervalSeconds: number };
      const next: InstanceState = {
        ...state,
        portalUrl,
        instanceId: activation.instanceId,
        activationId: activation.id,
        licenceId: activation.licenceId,
        instanceSecret: typeof body.instanceSecret === 'string' ? body.instanceSecret : state.instanceSecret,
        licenceFile: typeof body.licenceFile === 'string' ? body.licenceFile : state.licenceFile,
      };
      await saveState(options.stateDir, next);
      say(`${status === 201 ? 'Activated' : 'Already active'}: activation ${activation.id} on licence ${activation.licenceId} (${activation.instanceId}, ${activation.region}).`);
      if (typeof body.instanceSecret === 'string') say(`The instance secret is kept in ${options.stateDir} (shown once by the portal; every later call proves it).`);
      say(`Send a heartbeat at least every ${activation.heartbeatIntervalSeconds} s: webstream-portal instance heartbeat`);
      await reportFile(next);
    });

  withCommon(instance.command('heartbeat'))
    .description('Keep the activation alive; stores a fresh licence file when the portal sends one')
    .action(async (options: CommonOptions) => {
      const { state, secret, activationId, portalUrl } = await activated(options);
      const { body } = await callPortal(portalUrl, 'POST', `/api/v1/activations/${activationId}/heartbeat`, { secret });
      const validation = body.validation as { valid: boolean; code: string; detail: string };
      const next = { ...state, licenceFile: typeof body.licenceFile === 'string' ? body.licenceFile : state.licenceFile };
      await saveState(options.stateDir, next);
      say(`Heartbeat sent. Validation: ${validation.code} (${validation.detail})${typeof body.licenceFile === 'string' ? ' A fresh licence file was stored.' : ''}`);
      if (!validation.valid) process.exitCode = 1;
    });

  withCommon(instance.command('validate'))
    .description('Ask the portal whether the licence lets this instance run now')
    .action(async (options: CommonOptions) => {
      const { state, secret, portalUrl } = await activated(options);
      const { body } = await callPortal(portalUrl, 'POST', '/api/v1/licences/validate', { body: { licenceId: state.licenceId }, secret });
      say(`${body.valid === true ? 'Valid' : 'Not valid'}: ${String(body.code)}. ${String(body.detail)}`);
      if (body.valid !== true) process.exitCode = 1;
    });

  withCommon(instance.command('deactivate'))
    .description('Free the seat (the portal keeps the activation as history)')
    .action(async (options: CommonOptions) => {
      const { state, secret, activationId, portalUrl } = await activated(options);
      await callPortal(portalUrl, 'DELETE', `/api/v1/activations/${activationId}`, { secret });
      const rest: InstanceState = { ...state };
      delete rest.activationId;
      delete rest.licenceFile;
      await saveState(options.stateDir, rest);
      say(`Deactivated: activation ${activationId} ended and its seat is free. The instance keeps its secret for a later activation.`);
    });

  withCommon(instance.command('status'))
    .description('Show what this instance holds, and check its licence file offline')
    .action(async (options: CommonOptions) => {
      const { state, portalUrl } = await context(options);
      say(`Portal       ${portalUrl}\nState dir    ${options.stateDir}\nInstance     ${state.instanceId ?? 'unknown (not activated yet)'}\nAWS account  ${state.awsAccountId ?? 'unknown'}\nSecret       ${state.instanceSecret === undefined ? 'none yet' : 'kept'}\nLicence      ${state.licenceId ?? 'none'}\nActivation   ${state.activationId ?? 'none'}`);
      await reportFile({ ...state, portalUrl });
    });

  return instance;
}
