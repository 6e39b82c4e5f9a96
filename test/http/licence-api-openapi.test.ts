/**
 * The OpenAPI document against the routes: every API route the app has is described (method, path, body,
 * answers), and each licence-API operation names the error codes it can answer with.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createTestPortal, type TestPortal } from '../support/test-portal.js';

let portal: TestPortal;
before(async () => {
  portal = await createTestPortal();
});
after(() => portal.close());

interface Operation {
  description?: string;
  requestBody?: unknown;
  responses: Record<string, unknown>;
  security?: unknown[];
}
type Document = { paths: Record<string, Record<string, Operation>> };

const fastifyPath = (openApiPath: string) => openApiPath.replace(/\{(\w+)\}/g, ':$1');

test('every operation the document describes is routed, and every licence-API route is described', async () => {
  const document = (await portal.app.inject({ method: 'GET', url: '/api/openapi.json' })).json<Document>();
  assert.equal((await new Validator().validate(document)).valid, true);
  const documented = Object.entries(document.paths).flatMap(([p, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${fastifyPath(p)}`));
  for (const entry of documented) {
    const [method = '', url = ''] = entry.split(' ');
    const concrete = url.replace(/:id/g, '00000000-0000-4000-8000-000000000000');
    const answer = await portal.app.inject({ method: method as 'GET', url: concrete, headers: { 'content-type': 'application/json' }, payload: method === 'GET' || method === 'DELETE' ? undefined : '{}' });
    assert.notEqual(answer.json<{ code?: string }>().code, 'not_found', `${entry} is documented but not routed`);
    assert.notEqual(answer.statusCode, 405, `${entry} is documented but not routed`);
  }
  for (const expected of ['POST /api/v1/licence-requests', 'POST /api/v1/portal-links', 'POST /api/v1/activations', 'POST /api/v1/activations/:id/heartbeat', 'DELETE /api/v1/activations/:id', 'POST /api/v1/licences/validate', 'GET /api/v1/keys', 'GET /api/v1/status']) {
    assert.ok(documented.includes(expected), `${expected} is in the document (${documented.join(', ')})`);
  }
});

test('each licence-API operation documents its body, its answers, its credential and its error codes', async () => {
  const document = (await portal.app.inject({ method: 'GET', url: '/api/openapi.json' })).json<Document>();
  const op = (method: string, p: string) => {
    const found = document.paths[p]?.[method];
    assert.ok(found, `${method} ${p}`);
    return found;
  };
  const expectations: { method: string; path: string; body: boolean; answers: string[]; bearer: boolean; codes: string[] }[] = [
    { method: 'post', path: '/api/v1/licence-requests', body: true, answers: ['200', '201'], bearer: false, codes: ['identity_invalid', 'identity_region_unknown'] },
    {
      method: 'post',
      path: '/api/v1/activations',
      body: true,
      answers: ['200', '201'],
      bearer: true,
      codes: ['instance_secret_required', 'no_licence', 'licence_pending', 'licence_suspended', 'licence_expired', 'licence_revoked', 'no_free_seat', 'identity_invalid', 'identity_region_unknown'],
    },
    { method: 'post', path: '/api/v1/activations/{id}/heartbeat', body: false, answers: ['200'], bearer: true, codes: ['activation_ended', 'activation_not_found'] },
    { method: 'delete', path: '/api/v1/activations/{id}', body: false, answers: ['200'], bearer: true, codes: ['deactivation_limit', 'activation_ended'] },
    {
      method: 'post',
      path: '/api/v1/licences/validate',
      body: true,
      answers: ['200'],
      bearer: true,
      codes: ['valid', 'grace_period', 'expired', 'suspended', 'revoked', 'pending', 'not_activated', 'too_many_activations', 'heartbeat_dead', 'unknown'],
    },
  ];
  for (const e of expectations) {
    const operation = op(e.method, e.path);
    assert.equal(operation.requestBody !== undefined, e.body, `${e.path} body`);
    for (const status of [...e.answers, 'default']) assert.ok(operation.responses[status], `${e.path} answers ${status}`);
    assert.equal(operation.security !== undefined, e.bearer, `${e.path} bearer`);
    for (const code of e.codes) assert.match(JSON.stringify(operation), new RegExp(`\\b${code}\\b`), `${e.method} ${e.path} documents ${code}`);
  }
});
