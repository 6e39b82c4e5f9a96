import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { registeredAccount, signIn } from '../support/accounts.js';
import { createTestPortal, GOOD_PASSWORD, type TestPortal } from '../support/test-portal.js';

const logLines: string[] = [];
let portal: TestPortal;
before(async () => {
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logLines.push(...chunk.toString().split('\n').filter((l) => l !== ''));
      callback();
    },
  });
  portal = await createTestPortal({ env: { LOG_LEVEL: 'info' }, logStream });
  await registeredAccount(portal, '555500000001');
});
after(() => portal.close());

/** Log entries at error level or above (pino: 50 error, 60 fatal). */
const errorsLogged = () => logLines.filter((l) => (JSON.parse(l) as { level: number }).level >= 50);

test('bad paths under /assets/ are refused with their 4xx status, a page that says so, and no error in the log', async () => {
  const paths = [
    '/assets/',
    '/assets/../package.json',
    '/assets/%2e%2e/package.json',
    '/assets/..%2fpackage.json',
    '/assets/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/assets//etc/passwd',
    '/assets/.hidden',
    `/assets/${'a'.repeat(300)}.css`,
    `/assets/${'a'.repeat(5000)}`,
    '/assets/%00.css',
    '/assets/%ff%fe.css',
    '/assets/app.css%00',
    '/assets/no-such-file.css',
  ];
  for (const url of paths) {
    const before = errorsLogged().length;
    const response = await portal.app.inject({ method: 'GET', url });
    assert.ok(response.statusCode >= 400 && response.statusCode < 500, `${url.slice(0, 60)}: ${response.statusCode}`);
    assert.match(response.body, /<h1>[^<]+<\/h1>\s*<p>[^<]{10,}<\/p>/, `${url.slice(0, 60)}: a page that says what happened`);
    assert.equal(errorsLogged().length, before, `${url.slice(0, 60)}: logged as an error: ${errorsLogged().at(-1) ?? ''}`);
  }
  assert.equal((await portal.app.inject({ method: 'GET', url: '/assets/app.css' })).statusCode, 200, 'real assets are still served');
});

test('JSON answers are never stored by a cache', async () => {
  for (const url of ['/healthz', '/readyz', '/api/v1/no-such-thing']) {
    const response = await portal.app.inject({ method: 'GET', url });
    assert.match(String(response.headers['content-type']), /json/, url);
    assert.equal(response.headers['cache-control'], 'no-store', url);
  }
});

test('redirects that set a cookie are never stored by a cache', async () => {
  const { response } = await signIn(portal, '555500000001', GOOD_PASSWORD);
  assert.equal(response.status, 303);
  assert.ok(response.headers['set-cookie'] !== undefined, 'the sign-in sets the session cookie');
  assert.equal(response.headers['cache-control'], 'no-store');
  const root = await portal.app.inject({ method: 'GET', url: '/' });
  assert.equal(root.statusCode, 302);
  assert.equal(root.headers['set-cookie'], undefined);
});

test('static assets keep their own caching', async () => {
  const response = await portal.app.inject({ method: 'GET', url: '/assets/app.css' });
  assert.match(String(response.headers['cache-control']), /max-age=3600/);
});

test('a URL that cannot be decoded gets a 400 page with the security headers, not a framework JSON body', async () => {
  for (const url of ['/%ff', '/portal/%e0%a4%a', '/assets/%ff%fe.css']) {
    const response = await portal.app.inject({ method: 'GET', url });
    assert.equal(response.statusCode, 400, url);
    assert.match(String(response.headers['content-type']), /^text\/html/, url);
    assert.match(response.body, /not a valid URL/, url);
    assert.match(String(response.headers['content-security-policy']), /default-src 'self'/, url);
    assert.equal(response.headers['x-frame-options'], 'DENY', url);
  }
});
