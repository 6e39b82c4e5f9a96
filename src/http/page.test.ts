import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactUrl } from '../config/logger.js';
import { safeReturnPath } from './page.js';

test('same-site paths are kept after sign-in', () => {
  for (const path of ['/portal/entitlements', '/portal/settings?tab=keys', '/portal/x%2Fy']) assert.equal(safeReturnPath(path), path);
});

test('anything that could leave the site falls back to My Entitlements', () => {
  for (const path of ['https://evil.example/', '//evil.example/x', '/\\evil.example', '\\\\evil.example', 'javascript:alert(1)', 'portal/x', '/ /evil', '/\t/evil.example', '', undefined, 42]) {
    assert.equal(safeReturnPath(path), '/portal/entitlements', String(path));
  }
});

test('secrets in URLs never reach the log', () => {
  assert.equal(redactUrl('/portal/reset-password?token=abc123&x=1'), '/portal/reset-password?token=[redacted]&x=1');
  assert.equal(redactUrl('/portal/verify-email?a=1&token=zzz'), '/portal/verify-email?a=1&token=[redacted]');
  assert.equal(redactUrl('/portal/entitlements'), '/portal/entitlements');
});
