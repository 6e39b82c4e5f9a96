import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** Table types, kept in step with src/db/migrations by hand (one place to review). */
export interface Database {
  portal_accounts: PortalAccountsTable;
  password_history: PasswordHistoryTable;
  portal_sessions: PortalSessionsTable;
  sign_in_throttles: SignInThrottlesTable;
  rate_limit_counters: RateLimitCountersTable;
  password_reset_tokens: PasswordResetTokensTable;
  email_verification_tokens: EmailVerificationTokensTable;
  licences: LicencesTable;
  licence_transitions: LicenceTransitionsTable;
  audit_events: AuditEventsTable;
  mail_outbox: MailOutboxTable;
  portal_settings: PortalSettingsTable;
  mfa_recovery_codes: MfaRecoveryCodesTable;
  email_codes: EmailCodesTable;
  sign_in_challenges: SignInChallengesTable;
  known_devices: KnownDevicesTable;
  marketplace_subscriptions: MarketplaceSubscriptionsTable;
  marketplace_link_handshakes: MarketplaceLinkHandshakesTable;
  marketplace_notifications: MarketplaceNotificationsTable;
  instances: InstancesTable;
  activations: ActivationsTable;
  signing_keys: SigningKeysTable;
  account_proof_links: AccountProofLinksTable;
  staff_accounts: StaffAccountsTable;
  staff_invitations: StaffInvitationsTable;
  staff_sign_in_challenges: StaffSignInChallengesTable;
  staff_sessions: StaffSessionsTable;
}

type Identity = ColumnType<string, never, never>;

export interface PortalAccountsTable {
  id: Generated<string>;
  aws_account_id: string;
  email: string;
  email_verified_at: Date | null;
  password_hash: string;
  password_changed_at: Date;
  must_change_password: Generated<boolean>;
  disabled_at: Date | null;
  created_at: Date;
  /** Bumped by a trigger on every change to the account's licences (migration 0002). */
  licences_version: ColumnType<number, never, never>;
  mfa_method: ColumnType<MfaMethod | null, MfaMethod | null | undefined, MfaMethod | null>;
  mfa_enabled_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  totp_secret_enc: ColumnType<string | null, string | null | undefined, string | null>;
  /** pg returns bigint as a string. */
  totp_last_step: ColumnType<string | null, number | null | undefined, number | null>;
  pending_totp_secret_enc: ColumnType<string | null, string | null | undefined, string | null>;
  pending_totp_created_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  one_time_password_expires_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}
export type PortalAccountRow = Selectable<PortalAccountsTable>;

export interface PasswordHistoryTable {
  id: Identity;
  account_id: string;
  password_hash: string;
  created_at: Date;
}

export type MfaMethod = 'totp' | 'email';

export interface PortalSessionsTable {
  id: Generated<string>;
  token_hash: string;
  account_id: string;
  created_at: Date;
  expires_at: Date;
  last_seen_at: Date;
  ip: string;
  user_agent: string;
}
export type PortalSessionRow = Selectable<PortalSessionsTable>;

export interface SignInThrottlesTable {
  key: string;
  failures: number;
  locked_until: Date | null;
  last_failure_at: Date;
}

export interface RateLimitCountersTable {
  key: string;
  window_started_at: Date;
  hits: number;
}

export interface PasswordResetTokensTable {
  token_hash: string;
  account_id: string;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
}

export interface EmailVerificationTokensTable {
  token_hash: string;
  account_id: string;
  email: string;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
}

export interface LicencesTable {
  id: Generated<string>;
  aws_account_id: string;
  plan: string;
  seats: number;
  status: string;
  source: string;
  starts_at: Date;
  ends_at: Date | null;
  created_at: Date;
  updated_at: Date;
  /** Told when a portal account is created for the AWS account (migration 0009); null when none is known. */
  contact_email: ColumnType<string | null, string | null | undefined, string | null>;
  /** What the instance's administrator wrote when requesting it through the API (migration 0010). */
  request_note: ColumnType<string | null, string | null | undefined, string | null>;
  /** The EC2 instance that requested it, when it came through the API. */
  requested_by_instance: ColumnType<string | null, string | null | undefined, string | null>;
}
export type LicenceRow = Selectable<LicencesTable>;
export type NewLicenceRow = Insertable<LicencesTable>;

export interface LicenceTransitionsTable {
  id: Identity;
  licence_id: string;
  action: string;
  from_status: string | null;
  to_status: string;
  actor: string;
  reason: string;
  at: Date;
}

export interface AuditEventsTable {
  id: Identity;
  at: Date;
  event: string;
  actor: string;
  aws_account_id: string | null;
  ip: string | null;
  details: ColumnType<Record<string, unknown>, string | undefined, string>;
  /** The text before the first colon of `actor` (generated). */
  actor_kind: ColumnType<string, never, never>;
  /** Why a staff member did it, when the action asks for a reason. */
  reason: ColumnType<string | null, string | null | undefined, string | null>;
}

export type MailStatus = 'pending' | 'sent' | 'failed' | 'kept';

export interface MailOutboxTable {
  id: Identity;
  to_address: string;
  subject: string;
  /** Which email it is (`password_reset`, `welcome`…), kept for the record after the body is erased. */
  template: string;
  /** The body, sealed (src/mail/outbox.seal.ts); null once delivered or once its secret expired. */
  body_sealed: string | null;
  /** When the secret in the body stops working; null for messages that carry none. */
  secret_expires_at: Date | null;
  /** Plain bodies queued before migration 0008, sealed by the mailer at start; never set for new rows. */
  legacy_text_body: ColumnType<string | null, never, string | null>;
  created_at: Date;
  status: MailStatus;
  attempts: Generated<number>;
  next_attempt_at: Date;
  last_error: string | null;
  sent_at: Date | null;
}

export interface PortalSettingsTable {
  key: string;
  value: ColumnType<unknown, string, string>;
  updated_at: Date;
}

export interface MfaRecoveryCodesTable {
  id: Identity;
  account_id: string;
  code_hash: string;
  created_at: Date;
  used_at: Date | null;
}

/** step_up: proving MFA again to turn it off or to replace the recovery codes. */
export type EmailCodePurpose = 'sign_in' | 'enable_mfa' | 'step_up';

export interface EmailCodesTable {
  id: Identity;
  account_id: string;
  purpose: EmailCodePurpose;
  code_hash: string;
  created_at: Date;
  expires_at: Date;
  failed_attempts: Generated<number>;
  used_at: Date | null;
}

export type ChallengeReason = 'mfa' | 'new_device';

export interface SignInChallengesTable {
  token_hash: string;
  account_id: string;
  reason: ChallengeReason;
  return_path: string | null;
  created_at: Date;
  expires_at: Date;
}

export interface KnownDevicesTable {
  account_id: string;
  device_hash: string;
  created_at: Date;
  last_used_at: Date;
}

/** Driven by the landing (subscribed) and by Marketplace notifications (migration 0004). */
export type MarketplaceSubscriptionStatus = 'subscribed' | 'subscribe_failed' | 'unsubscribe_pending' | 'unsubscribed';

export interface MarketplaceSubscriptionsTable {
  id: Generated<string>;
  licence_arn: string;
  /** The `l-…` id ending licence_arn, generated by the database (migration 0006): what notifications match on. */
  aws_licence_id: ColumnType<string, never, never>;
  aws_account_id: string;
  product_code: string;
  customer_identifier: string | null;
  status: MarketplaceSubscriptionStatus;
  licence_id: string | null;
  linked_account_id: string | null;
  linked_at: Date | null;
  landed_at: Date | null;
  provisioned_at: Date | null;
  created_at: Date;
  updated_at: Date;
}
export type MarketplaceSubscriptionRow = Selectable<MarketplaceSubscriptionsTable>;

export interface MarketplaceLinkHandshakesTable {
  nonce_hash: string;
  subscription_id: string;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
  used_by_account_id: string | null;
}

/** Every Marketplace notification received, by SQS or SNS HTTPS (migration 0005). */
export type MarketplaceNotificationStatus = 'received' | 'processed' | 'failed' | 'ignored';
export type MarketplaceNotificationSource = 'sqs' | 'sns-https';

export interface MarketplaceNotificationsTable {
  id: Generated<string>;
  message_id: string;
  source: MarketplaceNotificationSource;
  kind: string | null;
  action: string | null;
  body: string;
  licence_arn: string | null;
  aws_account_id: string | null;
  product_code: string | null;
  customer_identifier: string | null;
  event_at: Date | null;
  subscription_id: string | null;
  status_set: MarketplaceSubscriptionStatus | null;
  status: MarketplaceNotificationStatus;
  outcome: string | null;
  attempts: Generated<number>;
  last_error: string | null;
  received_at: Date;
  processed_at: Date | null;
  updated_at: Date;
}
export type MarketplaceNotificationRow = Selectable<MarketplaceNotificationsTable>;

/** A WebStream instance known to the licence API (migration 0010): trusted on first use, then by its secret. */
export interface InstancesTable {
  instance_id: string;
  aws_account_id: string;
  region: string;
  /** SHA-256 of the instance secret, which only the instance holds. */
  secret_hash: string;
  first_seen_at: Date;
}
export type InstanceRow = Selectable<InstancesTable>;

/** 'deactivated_by_staff' (migration 0016): ended from the admin panel, outside the deactivation limit. */
export type ActivationEndReason = 'deactivated' | 'deactivated_by_owner' | 'deactivated_by_staff' | 'stale' | 'licence_revoked';

/** A seat taken by an instance; ended activations are kept as history. */
export interface ActivationsTable {
  id: Generated<string>;
  licence_id: string;
  instance_id: string;
  aws_account_id: string;
  region: string;
  hostname: string | null;
  product_version: string | null;
  activated_at: Date;
  last_heartbeat_at: Date;
  /** It stops counting against the seats at this moment unless a heartbeat comes first. */
  stale_after: Date;
  file_issued_at: Date | null;
  file_expires_at: Date | null;
  ended_at: Date | null;
  ended_reason: ActivationEndReason | null;
}
export type ActivationRow = Selectable<ActivationsTable>;
/** Portal links proving an AWS account ID by an EC2 identity document (migration 0011, src/account-proofs). */
export interface AccountProofLinksTable {
  token_hash: string;
  aws_account_id: string;
  instance_id: string;
  region: string;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
  used_by_account_id: string | null;
}

/** Keys that sign licence files (migration 0012). */
export interface SigningKeysTable {
  kid: string;
  public_jwk: ColumnType<Record<string, unknown>, string, string>;
  /** The PKCS#8 private key, sealed (src/core/secret-box.ts) and bound to the kid. */
  private_key_sealed: string;
  created_at: Date;
  /** When a newer key took over signing; null for the current key. */
  retired_at: Date | null;
  /** Once retired: the latest moment a file it signed can expire; it stays in the JWKS until then. */
  published_until: Date | null;
}
export type SigningKeyRow = Selectable<SigningKeysTable>;

/** Migration 0014: staff of the admin panel (src/admin). */
export type StaffRole = 'admin' | 'support' | 'read-only';

export interface StaffAccountsTable {
  id: Generated<string>;
  email: string;
  role: StaffRole;
  password_hash: ColumnType<string | null, string | null | undefined, string | null>;
  password_changed_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  totp_secret_enc: ColumnType<string | null, string | null | undefined, string | null>;
  totp_enrolled_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** pg returns bigint as a string. */
  totp_last_step: ColumnType<string | null, number | null | undefined, number | null>;
  disabled_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  created_at: Date;
  created_by: string;
}
export type StaffAccountRow = Selectable<StaffAccountsTable>;

export type StaffInvitationPurpose = 'invite' | 'totp_reset' | 'recovery';

export interface StaffInvitationsTable {
  id: Generated<string>;
  token_hash: string;
  staff_id: string;
  purpose: StaffInvitationPurpose;
  pending_totp_secret_enc: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Date;
  expires_at: Date;
  used_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  revoked_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface StaffSignInChallengesTable {
  token_hash: string;
  staff_id: string;
  created_at: Date;
  expires_at: Date;
}

export interface StaffSessionsTable {
  id: Generated<string>;
  token_hash: string;
  staff_id: string;
  created_at: Date;
  expires_at: Date;
  last_seen_at: Date;
  ended_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  ip: string;
  user_agent: string;
}
