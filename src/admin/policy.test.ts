import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ACTIONS, can, isStaffRole, STAFF_ROLES, type StaffAction } from './policy.js';

/** The permission table of issue 12, row by row: [action, admin, support, read-only]. */
const TABLE: [StaffAction, boolean, boolean, boolean][] = [
  ['dashboard.view', true, true, true],
  ['customers.view', true, true, true],
  ['customers.create_account', true, true, false],
  ['customers.send_reset', true, true, false],
  ['customers.reset_mfa', true, true, false],
  ['customers.end_sessions', true, true, false],
  ['customers.disable', true, true, false],
  ['licences.view', true, true, true],
  ['licences.issue', true, true, false],
  ['licences.approve', true, true, false],
  ['licences.reject', true, true, false],
  ['licences.suspend', true, true, false],
  ['licences.reinstate', true, true, false],
  ['licences.renew', true, true, false],
  ['licences.amend', true, true, false],
  ['licences.revoke', true, false, false],
  ['licences.deactivate_instance', true, false, false],
  ['marketplace.view', true, true, true],
  ['marketplace.reprocess', true, false, false],
  ['settings.view', true, true, true],
  ['settings.change', true, false, false],
  ['audit.view', true, true, true],
  ['audit.export', true, true, true],
  ['outbox.view', true, false, false],
  ['staff.view', true, true, true],
  ['staff.manage', true, false, false],
];

for (const [action, admin, support, readOnly] of TABLE) {
  test(`${action}: admin ${admin}, support ${support}, read-only ${readOnly}`, () => {
    assert.equal(can('admin', action), admin);
    assert.equal(can('support', action), support);
    assert.equal(can('read-only', action), readOnly);
  });
}

test('the table names every action exactly once', () => {
  assert.deepEqual(TABLE.map(([action]) => action).sort(), [...ACTIONS].sort());
});

test('read-only changes nothing: every action it has is a view or an export', () => {
  for (const action of ACTIONS) if (can('read-only', action)) assert.match(action, /\.(view|export)$/, action);
  assert.equal(can('read-only', 'outbox.view'), false, 'read-only sees everything except the outbox');
});

test('roles are exactly admin, support and read-only', () => {
  assert.deepEqual([...STAFF_ROLES], ['admin', 'support', 'read-only']);
  for (const value of ['admin', 'support', 'read-only']) assert.ok(isStaffRole(value));
  for (const value of ['Admin', 'readonly', '', undefined, 'owner']) assert.equal(isStaffRole(value), false, String(value));
});
