import type { LightMyRequestResponse } from 'fastify';
import type { TestPortal } from './test-portal.js';
import { identityFor, newInstanceId, type TestInstance } from './instance-identity.js';

/** Calls the licence API in-process, as a WebStream instance would over HTTP. */
export async function callApi(portal: Pick<TestPortal, 'app'>, method: 'GET' | 'POST' | 'DELETE', url: string, options: { body?: unknown; secret?: string; ip?: string } = {}): Promise<LightMyRequestResponse> {
  return portal.app.inject({
    method,
    url,
    remoteAddress: options.ip ?? '203.0.113.7',
    headers: { ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...(options.secret === undefined ? {} : { authorization: `Bearer ${options.secret}` }) },
    ...(options.body === undefined ? {} : { payload: JSON.stringify(options.body) }),
  });
}

let accountCounter = 0;
/** A fresh AWS account ID per call, so tests in one file do not share licences. */
export function newAccountId(): string {
  accountCounter += 1;
  return `7${String(process.pid % 1000).padStart(3, '0')}${String(Date.now() % 100000).padStart(5, '0')}${String(accountCounter).padStart(3, '0')}`.slice(0, 12);
}

export function newInstance(accountId: string, region = 'eu-west-1'): TestInstance {
  return { accountId, instanceId: newInstanceId(), region };
}

export interface ActivationResult {
  status: number;
  body: { activation?: { id: string; licenceId: string; instanceId: string; region: string; heartbeatIntervalSeconds: number }; instanceSecret?: string; licenceFile?: string; code?: string; detail?: string; seats?: number; seatsInUse?: number };
}

export async function activate(portal: Pick<TestPortal, 'app'>, instance: TestInstance, options: { secret?: string; licenceId?: string; ip?: string } = {}): Promise<ActivationResult> {
  const response = await callApi(portal, 'POST', '/api/v1/activations', {
    body: { identity: identityFor(instance), hostname: 'webstream-1.internal', productVersion: '4.2.0', ...(options.licenceId === undefined ? {} : { licenceId: options.licenceId }) },
    secret: options.secret,
    ip: options.ip,
  });
  return { status: response.statusCode, body: response.json() };
}
