import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactUrl } from '../config/logger.js';
import { safeReturnPath } from './page.js';

test('same-site paths are kept after sign-in', () => {
  for (const path of ['/portal/entitlements', '/portal/settings?tab=keys', '/portal/x%2Fy']) assert.equal(safeReturnPath(path), path);
});

test('dot-segments inside the portal are resolved, and the result is still a portal path', () => {
  assert.equal(safeReturnPath('/portal/./settings'), '/portal/settings');
  assert.equal(safeReturnPath('/portal/x/../settings?tab=mfa'), '/portal/settings?tab=mfa');
  assert.equal(safeReturnPath('/portal/%2e/settings'), '/portal/settings');
});

/** Every form of "leave the site" the penetration test found, and their neighbours. */
const OFF_SITE_RETURN_PATHS = [
  'https://evil.example/',
  '//evil.example/x',
  '/\\evil.example',
  '\\\\evil.example',
  'javascript:alert(1)',
  'portal/x',
  '/ /evil',
  '/\t/evil.example',
  '/.//evil.example/x',
  '/..//evil.example',
  '/a/..//evil.example',
  '/portal/../..//evil.example',
  '/portal/..//evil.example',
  '/portal/%2e%2e/%2e%2e//evil.example',
  '/portal/%2E%2E/%2E%2E//evil.example',
  '/portal/.%2e/.%2e//evil.example',
  '/%2e//evil.example',
  '/%2E//evil.example',
  '/./%2e//evil.example',
  '/portal/../%2e%2e//evil.example',
  '/portal/\u0000/evil',
  '/portal/x\u2028',
  '/\u00a0/evil.example',
  // Not the portal's own pages: same-site, but outside the allowed prefixes.
  '/',
  '/marketplace/landing',
  '/assets/app.css',
  '/portal',
  '/portalx/evil',
];

test('anything that could leave the portal falls back to My Entitlements', () => {
  for (const path of [...OFF_SITE_RETURN_PATHS, '', undefined, 42, `/portal/${'a'.repeat(600)}`]) {
    assert.equal(safeReturnPath(path), '/portal/entitlements', JSON.stringify(path));
  }
});

test('whatever comes out is a portal path that a browser resolves to itself', () => {
  for (const path of OFF_SITE_RETURN_PATHS) {
    const result = safeReturnPath(path);
    assert.ok(result.startsWith('/portal/') && !result.startsWith('//'));
    assert.equal(new URL(result, 'https://portal.example').origin, 'https://portal.example');
  }
});

test('another surface can allow its own prefixes', () => {
  assert.equal(safeReturnPath('/admin/customers', '/admin/', ['/admin/']), '/admin/customers');
  assert.equal(safeReturnPath('/portal/entitlements', '/admin/', ['/admin/']), '/admin/');
});

test('secrets in URLs never reach the log', () => {
  assert.equal(redactUrl('/portal/reset-password?token=abc123&x=1'), '/portal/reset-password?token=[redacted]&x=1');
  assert.equal(redactUrl('/portal/verify-email?a=1&token=zzz'), '/portal/verify-email?a=1&token=[redacted]');
  assert.equal(redactUrl('/portal/entitlements'), '/portal/entitlements');
});
