/**
 * The API context (/api): every error is an RFC 9457 problem document, no answer sets a cookie, and the
 * OpenAPI 3.1 document and its reference page come from the route schemas.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { LightMyRequestResponse } from 'fastify';
import { registeredAccount } from '../support/accounts.js';
import type { FormAgent } from '../support/form-agent.js';
import { createTestPortal, type TestPortal } from '../support/test-portal.js';

let portal: TestPortal;
let customer: FormAgent;
const answers: { what: string; response: LightMyRequestResponse }[] = [];

before(async () => {
  portal = await createTestPortal();
  customer = await registeredAccount(portal, '616100000001');
});
after(() => portal.close());

/** Sends a request to the API as a signed-in customer's browser would (its cookies too), and keeps the answer. */
async function api(method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'OPTIONS' | 'HEAD', url: string, options: { type?: string; payload?: string } = {}) {
  const cookie = ['ws_session', 'ws_csrf', 'ws_device'].flatMap((name) => {
    const value = customer.cookie(name);
    return value === undefined ? [] : [`${name}=${value}`];
  });
  assert.ok(cookie.some((c) => c.startsWith('ws_session=')), 'the customer is signed in');
  const response = await portal.app.inject({
    method,
    url,
    headers: { cookie: cookie.join('; '), ...(options.type === undefined ? {} : { 'content-type': options.type }) },
    ...(options.payload === undefined ? {} : { payload: options.payload }),
  });
  answers.push({ what: `${method} ${url.slice(0, 60)}`, response });
  return response;
}

interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: { in: string; pointer: string; detail: string }[];
}

/** Asserts an RFC 9457 problem document with this status and code, and returns it. */
function assertProblem(response: LightMyRequestResponse, status: number, code: string): ProblemBody {
  assert.equal(response.statusCode, status, response.body);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const body = JSON.parse(response.body) as ProblemBody;
  assert.equal(body.status, status);
  assert.equal(body.code, code);
  assert.match(body.code, /^[a-z][a-z0-9_]*$/, 'the code is snake_case');
  assert.equal(typeof body.type, 'string');
  assert.ok(body.title.length > 0, 'a title');
  assert.ok(body.detail.length > 10, 'a detail that says what went wrong');
  assert.doesNotMatch(response.body, /\bat .+\.(ts|js):\d+/, 'no stack trace');
  assert.equal(response.headers['cache-control'], 'no-store');
  return body;
}

test('an unknown /api/v1 path answers a 404 problem document', async () => {
  for (const url of ['/api/v1/no-such-thing', '/api/v1/status/extra', '/api', '/api/', '/api/v2/status?x=1']) {
    const body = assertProblem(await api('GET', url), 404, 'not_found');
    assert.equal(body.type, 'about:blank');
    assert.equal(body.title, 'Not Found');
  }
});

test('a wrong method on a known path answers 405 with Allow', async () => {
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const) {
    const response = await api(method, '/api/v1/status');
    assertProblem(response, 405, 'method_not_allowed');
    assert.equal(response.headers.allow, 'GET, HEAD', method);
  }
});

test('a malformed or empty JSON body answers a 400 problem document', async () => {
  for (const payload of ['{"licence":', '[[[', 'nul', '{"__proto__":{"x":1}}']) {
    assertProblem(await api('POST', '/api/v1/no-such-thing', { type: 'application/json', payload }), 400, 'malformed_json');
  }
  assertProblem(await api('POST', '/api/v1/no-such-thing', { type: 'application/json', payload: '' }), 400, 'malformed_json');
});

test('a body over the limit answers 413 (415 for a body that is not JSON: see api-problems.test.ts, it needs a route that takes a body)', async () => {
  assertProblem(await api('POST', '/api/v1/no-such-thing', { type: 'application/json', payload: JSON.stringify({ pad: 'x'.repeat(300 * 1024) }) }), 413, 'body_too_large');
  // A form post to the API is not a form: no formbody parser, nothing of the portal's pages.
  assertProblem(await api('POST', '/api/v1/status', { type: 'application/x-www-form-urlencoded', payload: 'a=1' }), 405, 'method_not_allowed');
});

test('an undecodable URL under /api/ answers a problem document, not a page', async () => {
  const response = await portal.app.inject({ method: 'GET', url: '/api/v1/%ff' });
  assertProblem(response, 400, 'bad_url');
  assert.equal(response.headers['x-frame-options'], 'DENY', 'security headers too');
});

test('GET /api/v1/status answers the status and the release', async () => {
  const response = await api('GET', '/api/v1/status');
  assert.equal(response.statusCode, 200);
  assert.match(String(response.headers['content-type']), /^application\/json/);
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.deepEqual(JSON.parse(response.body), { status: 'ok', version });
});

test('/api/openapi.json is valid OpenAPI 3.1 and describes the status operation', async () => {
  const response = await api('GET', '/api/openapi.json');
  assert.equal(response.statusCode, 200);
  const document = JSON.parse(response.body) as { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
  assert.equal(document.openapi, '3.1.0');
  const validator = new Validator();
  const result = await validator.validate(document);
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
  assert.equal(validator.version, '3.1');
  const status = document.paths['/api/v1/status']?.get;
  assert.ok(status, Object.keys(document.paths).join(', '));
  assert.ok(status.responses['200'], 'the success response');
  assert.ok(status.responses.default, 'the problem document of every error');
  assert.equal(document.paths['/api/openapi.json'], undefined, 'the document does not describe itself');
  assert.equal(document.paths['/api/docs'], undefined);
});

test('/api/docs renders the reference from the document, without script', async () => {
  const response = await api('GET', '/api/docs');
  assert.equal(response.statusCode, 200);
  assert.match(String(response.headers['content-type']), /^text\/html/);
  assert.match(response.body, /<h2 id="op-get--api-v1-status"><span class="mono">GET<\/span> <span class="mono">\/api\/v1\/status<\/span><\/h2>/);
  assert.match(response.body, /API status/, 'the summary');
  assert.match(response.body, /application\/problem\+json/, 'the error responses');
  assert.match(response.body, /href="\/api\/openapi\.json"/);
  assert.doesNotMatch(response.body, /<script/, 'no script at all');
  assert.match(String(response.headers['content-security-policy']), /script-src 'self'/);
});

test('no API answer sets or clears a cookie', async () => {
  // After every other test of this file: each kept its answers.
  assert.ok(answers.length >= 15, `${answers.length} answers`);
  for (const { what, response } of answers) assert.equal(response.headers['set-cookie'], undefined, what);
  // The customer's session was sent with each and is untouched.
  assert.equal((await customer.get('/portal/entitlements')).status, 200);
});
