import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { registeredAccount } from '../support/accounts.js';
import type { FormAgent } from '../support/form-agent.js';
import { createTestPortal, type TestPortal } from '../support/test-portal.js';

/** The SMTP server goes down and comes back on the same port: the outbox keeps the email and delivers it once. */

const ACCOUNT = '999922220002';
const EMAIL = `${ACCOUNT}@example.com`;
const RESET_SUBJECT = 'Reset your WebStream Licence Portal password';

let portal: TestPortal;
let agent: FormAgent;

before(async () => {
  portal = await createTestPortal();
  agent = await registeredAccount(portal, ACCOUNT, EMAIL);
  await portal.deliverMail(); // the welcome email, while the server is up
  await portal.inbox.waitFor(EMAIL, /Welcome/);
});

after(() => portal.close());

function resetEmail() {
  return portal.services.db.selectFrom('mail_outbox').select(['status', 'attempts', 'next_attempt_at']).where('to_address', '=', EMAIL).where('subject', '=', RESET_SUBJECT).executeTakeFirstOrThrow();
}

const resetEmailsReceived = () => portal.inbox.messages.filter((m) => m.to.includes(EMAIL) && m.subject === RESET_SUBJECT).length;

test('while the SMTP server is down the email stays pending, retried with growing waits; it is delivered once when the server is back', async () => {
  await portal.inbox.stop();
  assert.equal((await agent.post('/portal/forgot-password', { accountId: ACCOUNT })).status, 303);

  let previousWaitMs = 0;
  for (let attempt = 1; attempt <= 3; attempt++) {
    await portal.deliverMail();
    const row = await resetEmail();
    assert.equal(row.status, 'pending', `still queued after attempt ${attempt}`);
    assert.equal(row.attempts, attempt);
    const waitMs = row.next_attempt_at.getTime() - portal.clock.now().getTime();
    assert.ok(waitMs > previousWaitMs, `attempt ${attempt} waits longer (${waitMs} ms) than the one before (${previousWaitMs} ms)`);
    previousWaitMs = waitMs;

    // Not due yet: another round now does not try again.
    await portal.deliverMail();
    assert.equal((await resetEmail()).attempts, attempt, 'the backoff is respected');
    portal.clock.advance(waitMs);
  }
  portal.clock.advance(-previousWaitMs); // back to before the last backoff ran out

  await portal.inbox.start();
  await portal.deliverMail();
  assert.equal((await resetEmail()).status, 'pending', 'a server coming back does not skip the backoff');
  assert.equal(resetEmailsReceived(), 0);

  portal.clock.advance(previousWaitMs);
  await portal.deliverMail();
  const row = await resetEmail();
  assert.equal(row.status, 'sent');
  assert.equal(row.attempts, 4);
  await portal.inbox.waitFor(EMAIL, /Reset your WebStream/);

  // Later rounds send nothing again.
  portal.clock.advance(3_600_000);
  await portal.deliverMail();
  assert.equal(resetEmailsReceived(), 1, 'delivered exactly once');
});
