/**
 * What `webstream-portal instance …` needs to play a WebStream instance: its identity from the EC2 instance
 * metadata service (IMDSv2), the licence API over HTTP, and a state directory holding what the instance
 * keeps (its secret, its activation and its licence file). No database, no portal code: only HTTP.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../core/errors.js';

export interface IdentityProof {
  document: string;
  signature: string;
}

/** IMDSv2: a session token first (PUT), then the identity document and its signature with that token. */
export async function readIdentity(imdsUrl: string): Promise<IdentityProof> {
  const base = imdsUrl.replace(/\/+$/, '');
  const reach = async (url: string, init: RequestInit): Promise<string> => {
    let response: Response;
    try {
      response = await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
    } catch (error) {
      throw new AppError('imds_unreachable', `The instance metadata service at ${base} did not answer (${error instanceof Error ? error.message : String(error)}). Run this on an EC2 instance, or pass --imds-url.`, 1);
    }
    if (!response.ok) throw new AppError('imds_refused', `The instance metadata service answered ${response.status} for ${url}.`, 1);
    return response.text();
  };
  const token = await reach(`${base}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' } });
  const headers = { 'x-aws-ec2-metadata-token': token };
  const [document, signature] = await Promise.all([
    reach(`${base}/latest/dynamic/instance-identity/document`, { headers }),
    reach(`${base}/latest/dynamic/instance-identity/signature`, { headers }),
  ]);
  return { document, signature };
}

/** What the instance keeps between commands; the secret is the only proof it is itself. */
export interface InstanceState {
  portalUrl: string;
  instanceId?: string;
  awsAccountId?: string;
  instanceSecret?: string;
  activationId?: string;
  licenceId?: string;
  licenceFile?: string;
}

const STATE_FILE = 'instance-state.json';

export async function loadState(stateDir: string): Promise<InstanceState | undefined> {
  try {
    return JSON.parse(await fs.readFile(path.join(stateDir, STATE_FILE), 'utf8')) as InstanceState;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AppError('state_unreadable', `The state file in ${stateDir} cannot be read: ${error instanceof Error ? error.message : String(error)}`, 1);
  }
}

/** Written whole to a temporary file and renamed, readable by its owner only (it holds the instance secret). */
export async function saveState(stateDir: string, state: InstanceState): Promise<void> {
  await fs.mkdir(stateDir, { recursive: true, mode: 0o700 });
  const file = path.join(stateDir, STATE_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await fs.rename(temporary, file);
}

export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** One licence API call; a problem document becomes an AppError with its code and sentence. */
export async function callPortal(portalUrl: string, method: 'GET' | 'POST' | 'DELETE', apiPath: string, options: { body?: unknown; secret?: string } = {}): Promise<ApiAnswer> {
  let response: Response;
  try {
    response = await fetch(`${portalUrl.replace(/\/+$/, '')}${apiPath}`, {
      method,
      headers: { accept: 'application/json', ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...(options.secret === undefined ? {} : { authorization: `Bearer ${options.secret}` }) },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    throw new AppError('portal_unreachable', `The portal at ${portalUrl} did not answer (${error instanceof Error ? error.message : String(error)}). Check --portal-url.`, 1);
  }
  const text = await response.text();
  let body: Record<string, unknown>;
  try {
    body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    throw new AppError('portal_answer_unreadable', `The portal answered ${response.status} with something that is not JSON.`, 1);
  }
  if (!response.ok) {
    const retry = response.headers.get('retry-after');
    const code = typeof body.code === 'string' ? body.code : 'portal_error';
    throw new AppError(code, `${typeof body.detail === 'string' ? body.detail : `The portal answered ${response.status}.`}${retry === null ? '' : ` (retry after ${retry} s)`} [${code}]`, 1);
  }
  return { status: response.status, body };
}
