import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statusOf, type StaffMember } from './staff-member.js';

const member = (changes: Partial<StaffMember>): StaffMember => ({ id: 'id', email: 'ann@webstream.example', role: 'support', active: true, invited: false, totpEnrolledAt: new Date(0), disabledAt: null, createdAt: new Date(0), ...changes });

test("a staff member's status: disabled first, then active, invited, or waiting for a new authenticator", () => {
  assert.equal(statusOf(member({})), 'Active');
  assert.equal(statusOf(member({ disabledAt: new Date(0) })), 'Disabled');
  assert.equal(statusOf(member({ active: false, invited: true, totpEnrolledAt: null })), 'Invited');
  assert.equal(statusOf(member({ active: false, totpEnrolledAt: null })), 'Authenticator reset: set-up pending');
  assert.equal(statusOf(member({ active: false, invited: true, disabledAt: new Date(0) })), 'Disabled', 'a disabled invitee is disabled');
});
