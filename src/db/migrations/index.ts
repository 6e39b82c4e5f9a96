import type { Migration } from 'kysely';
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-licences-version.js';
import * as m0003 from './0003-mfa-and-settings.js';
import * as m0004 from './0004-marketplace.js';
import * as m0005 from './0005-marketplace-notifications.js';
import * as m0006 from './0006-marketplace-licence-id.js';
import * as m0007 from './0007-rate-limit-counters.js';
import * as m0008 from './0008-mail-outbox-secrets.js';
import * as m0009 from './0009-licence-contact-email.js';
import * as m0010 from './0010-activations.js';
import * as m0011 from './0011-account-proofs.js';
import * as m0012 from './0012-signing-keys.js';
import * as m0013 from './0013-licence-changes.js';
import * as m0014 from './0014-audit-search.js';
import * as m0015 from './0015-staff.js';
import * as m0016 from './0016-admin-licences.js';
import * as m0017 from './0017-staff-recovery.js';
import * as m0018 from './0018-customer-email-search.js';

/** Every migration, in order. Listed statically so the compiled build needs no directory scan. */
export const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-licences-version': m0002,
  '0003-mfa-and-settings': m0003,
  '0004-marketplace': m0004,
  '0005-marketplace-notifications': m0005,
  '0006-marketplace-licence-id': m0006,
  '0007-rate-limit-counters': m0007,
  '0008-mail-outbox-secrets': m0008,
  '0009-licence-contact-email': m0009,
  '0010-activations': m0010,
  '0011-account-proofs': m0011,
  '0012-signing-keys': m0012,
  '0013-licence-changes': m0013,
  '0014-audit-search': m0014,
  '0015-staff': m0015,
  '0016-admin-licences': m0016,
  '0017-staff-recovery': m0017,
  '0018-customer-email-search': m0018,
};
