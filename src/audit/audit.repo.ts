import type { Db } from '../db/database.js';

export type AuditEvent =
  | 'account.registered'
  | 'registration.refused'
  | 'registration.locked_out'
  | 'account.email_verified'
  | 'sign_in.succeeded'
  | 'sign_in.failed'
  | 'sign_in.locked_out'
  | 'sign_out'
  | 'password_reset.requested'
  | 'password_reset.completed'
  | 'licence.transition'
  | 'account.created_by_staff'
  | 'account.disabled'
  | 'account.enabled'
  | 'password_reset.sent_by_staff'
  | 'mfa.reset_by_staff'
  | 'session.ended_by_staff'
  | 'account.password_changed'
  | 'account.email_change_requested'
  | 'account.email_changed'
  | 'account.password_check_failed'
  | 'mfa.enabled'
  | 'mfa.disabled'
  | 'mfa.challenge_failed'
  | 'mfa.recovery_code_used'
  | 'mfa.recovery_codes_regenerated'
  | 'new_device.verified'
  | 'session.ended'
  | 'session.ended_others'
  | 'marketplace.landed'
  | 'marketplace.linked'
  | 'marketplace.link_refused'
  | 'marketplace.provisioned'
  | 'marketplace.notification_processed'
  | 'marketplace.sns_subscription_confirmed'
  | 'licence_request.received'
  | 'instance.identity_refused'
  | 'activation.created'
  | 'activation.revived'
  | 'activation.ended'
  | 'activation.deactivated'
  | 'account_proof.link_created'
  | 'account_proof.link_used'
  | 'settings.changed'
  | 'outbox.body_viewed'
  | 'marketplace.notification_reprocessed'
  | 'signing_key.rotated'
  | 'audit.exported'
  | 'staff.access_reset'
  | 'staff.created'
  | 'staff.invitation_sent'
  | 'staff.enrolled'
  | 'staff.role_changed'
  | 'staff.disabled'
  | 'staff.totp_reset'
  | 'staff.sign_in.succeeded'
  | 'staff.sign_in.failed'
  | 'staff.sign_in.locked_out'
  | 'staff.totp_failed'
  | 'staff.password_check_failed'
  | 'staff.sign_out'
  | 'staff.signed_out_everywhere';

export interface AuditEntry {
  event: AuditEvent;
  /** Who did it: "account:<aws id>", "staff:<email>", "system", "cli", "anonymous". */
  actor: string;
  awsAccountId?: string | null;
  ip?: string | null;
  details?: Record<string, unknown>;
  /** Why a staff member did it (the actions that ask for one). */
  reason?: string | null;
}

export interface AuditLog {
  record(entry: AuditEntry, db?: Db): Promise<void>;
}

/** Audit entries are written in the caller's transaction when one is given, so they never disagree with the change. */
export function createAuditLog(deps: { db: Db; clock: { now(): Date } }): AuditLog {
  return {
    async record(entry, db = deps.db) {
      await db
        .insertInto('audit_events')
        .values({
          at: deps.clock.now(),
          event: entry.event,
          actor: entry.actor,
          aws_account_id: entry.awsAccountId ?? null,
          ip: entry.ip ?? null,
          details: JSON.stringify(entry.details ?? {}),
          reason: entry.reason ?? null,
        })
        .execute();
    },
  };
}
