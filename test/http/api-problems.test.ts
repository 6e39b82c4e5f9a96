/**
 * The API context on its own, with routes made for the test: schema failures list their fields, an
 * AppError keeps its status and code, anything unexpected is a bare 500, and the bearer slot refuses
 * every request until a verifier is given (then passes on what it verified).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Type, type FastifyPluginAsyncTypebox, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { AppError } from '../../src/core/errors.js';
import { apiContext } from '../../src/http/api-context.js';
import type { BearerVerifier } from '../../src/http/bearer-auth.js';

const testRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/v1/things',
    { schema: { summary: 'Create a thing', body: Type.Object({ name: Type.String({ minLength: 1 }), seats: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }), response: { 201: Type.Object({ name: Type.String() }) } } },
    async (req, reply) => reply.code(201).send({ name: req.body.name }),
  );
  app.get('/v1/things/:id', { schema: { params: Type.Object({ id: Type.String({ format: 'uuid' }) }) } }, async () => {
    throw new AppError('thing_not_found', 'There is no thing with this id.', 404);
  });
  app.post('/v1/refused', async () => {
    throw new AppError('seats_exhausted', 'Every seat of this licence is in use.', 409, { seats: ['is 0'] });
  });
  app.get('/v1/broken', async () => {
    throw new Error('secret internal detail at /srv/app.ts:12');
  });
  app.get('/v1/mine', { config: { auth: 'instance' }, schema: { summary: 'Who am I' } }, async (req) => ({ subject: req.apiCredential?.subject }));
};

async function build(verifyBearer?: BearerVerifier): Promise<FastifyInstance> {
  const app = Fastify().withTypeProvider<TypeBoxTypeProvider>();
  await app.register(apiContext({ info: { title: 'Test', version: '1', description: 'Test API' }, routes: [testRoutes], ...(verifyBearer === undefined ? {} : { verifyBearer }) }), { prefix: '/api' });
  await app.ready();
  return app;
}

let bare: FastifyInstance;
let verifying: FastifyInstance;
before(async () => {
  bare = await build();
  verifying = await build(async (token, audience) => (token === 'good-token' ? { audience, subject: 'instance-7', awsAccountId: '111122223333' } : undefined));
});
after(async () => {
  await bare.close();
  await verifying.close();
});

function problemOf(response: LightMyRequestResponse, status: number, code: string) {
  assert.equal(response.statusCode, status, response.body);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const body = JSON.parse(response.body) as { type: string; title: string; status: number; detail: string; code: string; errors?: { in: string; pointer: string; detail: string }[] };
  assert.equal(body.status, status);
  assert.equal(body.code, code);
  assert.equal(response.headers['set-cookie'], undefined);
  return body;
}

const postJson = (url: string, body: unknown) => bare.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });

test('a valid request passes the schema', async () => {
  const response = await postJson('/api/v1/things', { name: 'a', seats: 2 });
  assert.equal(response.statusCode, 201);
  assert.deepEqual(JSON.parse(response.body), { name: 'a' });
});

test('a schema failure answers 400 and lists every field', async () => {
  const body = problemOf(await postJson('/api/v1/things', { name: '', extra: true }), 400, 'validation_failed');
  const pointers = (body.errors ?? []).map((e) => `${e.in}${e.pointer}`).sort();
  assert.ok(pointers.includes('body/seats'), pointers.join(', '));
  assert.match(body.detail, /seats/);
  for (const error of body.errors ?? []) assert.ok(error.detail.length > 0);
  const params = problemOf(await bare.inject({ method: 'GET', url: '/api/v1/things/not-a-uuid' }), 400, 'validation_failed');
  assert.deepEqual(params.errors?.map((e) => `${e.in}${e.pointer}`), ['params/id']);
});

test('a body that is not JSON answers 415, a malformed one 400, one over the limit 413', async () => {
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml']) {
    const body = problemOf(await bare.inject({ method: 'POST', url: '/api/v1/things', headers: { 'content-type': type }, payload: 'name=a' }), 415, 'unsupported_media_type');
    assert.match(body.detail, /application\/json/);
  }
  problemOf(await bare.inject({ method: 'POST', url: '/api/v1/things', headers: { 'content-type': 'application/json' }, payload: '{"name":' }), 400, 'malformed_json');
  problemOf(await postJson('/api/v1/things', { name: 'x'.repeat(1024 * 1024 + 1), seats: 1 }), 413, 'body_too_large');
});

test('an AppError keeps its status, code and fields', async () => {
  const found = problemOf(await bare.inject({ method: 'GET', url: '/api/v1/things/4f0e8f2c-7d1e-4a57-9b7d-1f0a2c3d4e5f' }), 404, 'thing_not_found');
  assert.equal(found.detail, 'There is no thing with this id.');
  const refused = problemOf(await postJson('/api/v1/refused', {}), 409, 'seats_exhausted');
  assert.equal(refused.title, 'Conflict');
  assert.deepEqual(refused.errors, [{ in: 'body', pointer: '/seats', detail: 'is 0' }]);
});

test('anything unexpected is a 500 with a generic detail and nothing of the error', async () => {
  const response = await bare.inject({ method: 'GET', url: '/api/v1/broken' });
  const body = problemOf(response, 500, 'internal_error');
  assert.doesNotMatch(response.body, /secret|srv|app\.ts/);
  assert.match(body.detail, /on our side/);
});

test('405 knows parametric paths too', async () => {
  const response = await bare.inject({ method: 'DELETE', url: '/api/v1/things/abc' });
  problemOf(response, 405, 'method_not_allowed');
  assert.equal(response.headers.allow, 'GET, HEAD');
});

test('the bearer slot: without a verifier every credential is refused with 401', async () => {
  const none = await bare.inject({ method: 'GET', url: '/api/v1/mine' });
  problemOf(none, 401, 'credentials_required');
  assert.equal(none.headers['www-authenticate'], 'Bearer realm="api"');
  for (const authorization of ['Bearer good-token', 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b']) {
    const response = await bare.inject({ method: 'GET', url: '/api/v1/mine', headers: { authorization } });
    problemOf(response, 401, 'invalid_credentials');
    assert.match(String(response.headers['www-authenticate']), /^Bearer realm="api", error="invalid_token"$/);
  }
  // Public routes need nothing.
  assert.equal((await postJson('/api/v1/things', { name: 'a', seats: 1 })).statusCode, 201);
});

test('the bearer slot: a verifier decides, and the route sees the credential', async () => {
  const good = await verifying.inject({ method: 'GET', url: '/api/v1/mine', headers: { authorization: 'bearer good-token' } });
  assert.equal(good.statusCode, 200, good.body);
  assert.deepEqual(JSON.parse(good.body), { subject: 'instance-7' });
  problemOf(await verifying.inject({ method: 'GET', url: '/api/v1/mine', headers: { authorization: 'Bearer bad-token' } }), 401, 'invalid_credentials');
});

test('the document marks the authenticated operation and stays valid OpenAPI 3.1', async () => {
  const document = (await bare.inject({ method: 'GET', url: '/api/openapi.json' })).json<{ paths: Record<string, Record<string, { security?: unknown; requestBody?: unknown }>>; components: { securitySchemes: Record<string, unknown> } }>();
  const validator = new Validator();
  const result = await validator.validate(document);
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
  assert.deepEqual(document.paths['/api/v1/mine']?.get?.security, [{ bearer: [] }]);
  assert.equal(document.paths['/api/v1/things']?.post?.security, undefined);
  assert.ok(document.paths['/api/v1/things']?.post?.requestBody, 'the request body schema');
  assert.deepEqual(document.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer' });
  const docs = await bare.inject({ method: 'GET', url: '/api/docs' });
  assert.match(docs.body, /Authorization: Bearer/);
  assert.match(docs.body, /Create a thing/);
});
