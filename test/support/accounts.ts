import { FormAgent } from './form-agent.js';
import { GOOD_PASSWORD, issueLicence, type TestPortal } from './test-portal.js';

/** A licensed AWS account with a portal account, registered through the real form; returns a signed-in agent. */
export async function registeredAccount(portal: TestPortal, awsAccountId: string, email = `${awsAccountId}@example.com`, ip = '127.0.0.1'): Promise<FormAgent> {
  await issueLicence(portal, awsAccountId);
  const agent = new FormAgent(portal.app, portal.config.publicUrl.origin, ip);
  await agent.get('/portal/register');
  const response = await agent.post('/portal/register', { accountId: awsAccountId, email, password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD });
  if (response.status !== 303) throw new Error(`registration failed: ${response.status} ${response.body.slice(0, 300)}`);
  return agent;
}

export async function signIn(portal: TestPortal, accountId: string, password: string, options: { ip?: string; next?: string } = {}) {
  const agent = new FormAgent(portal.app, portal.config.publicUrl.origin, options.ip ?? '127.0.0.1');
  await agent.get('/portal/sign-in');
  const response = await agent.post('/portal/sign-in', { accountId, password, ...(options.next === undefined ? {} : { next: options.next }) });
  return { agent, response };
}
