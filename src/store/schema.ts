import type { ColumnType, Generated } from 'kysely';
import type { TokenKind } from '../domain/token-kinds.ts';

/**
 * Table types for Kysely. Times are milliseconds since the epoch (bigint in PostgreSQL, read back as numbers);
 * flags are 0/1 integers and lists are comma-separated or JSON text, so one set of queries serves both engines.
 */
type Millis = number;
type Flag = number;

export interface EnterpriseTable {
  id: string;
  name: string;
  domain: string;
  created_at: Millis;
}

export interface TeamTable {
  id: string;
  name: string;
  domain: string;
  enterprise_id: string | null;
  created_at: Millis;
  deleted_at: Millis | null;
}

export type MemberRole = 'owner' | 'admin' | 'member' | 'deactivated';

export interface UserTable {
  id: string;
  team_id: string;
  name: string;
  real_name: string;
  email: string | null;
  password_hash: string | null;
  role: MemberRole;
  is_bot: Flag;
  created_at: Millis;
  updated_at: Millis;
}

export interface ChannelTable {
  id: string;
  team_id: string;
  name: string;
  is_private: Flag;
  is_archived: Flag;
  creator_id: string | null;
  created_at: Millis;
}

export interface ChannelMemberTable {
  channel_id: string;
  user_id: string;
  joined_at: Millis;
}

export interface AppTable {
  id: string;
  name: string;
  team_id: string;
  client_id: string;
  client_secret_digest: string;
  previous_client_secret_digest: string | null;
  previous_client_secret_expires_at: Millis | null;
  signing_secret_sealed: string;
  verification_token_sealed: string;
  redirect_urls: string; // JSON array
  bot_scopes: string; // comma list
  user_scopes: string; // comma list
  classic: Flag;
  workspace_app: Flag;
  distributed: Flag;
  token_rotation: Flag;
  socket_mode: Flag;
  request_url: string | null;
  ip_allowlist: string; // JSON array of CIDR ranges
  token_lifetime_seconds: number;
  created_at: Millis;
}

export interface InstallationTable {
  id: string;
  app_id: string;
  team_id: string | null;
  enterprise_id: string | null;
  is_enterprise_install: Flag;
  bot_id: string | null;
  installer_user_id: string | null;
  created_at: Millis;
  uninstalled_at: Millis | null;
}

export interface BotTable {
  id: string;
  app_id: string;
  team_id: string;
  user_id: string; // the bot user, a row of users with is_bot = 1
  installation_id: string;
  created_at: Millis;
  deleted_at: Millis | null;
}

/** `openid`: a member's Sign in with Slack grant to an app, apart from the user token an install gives them. */
export type AuthorizationKind = 'bot' | 'classic_bot' | 'user' | 'openid' | 'workspace' | 'app' | 'legacy' | 'config';

/** A grant of scopes to one principal; every token belongs to exactly one, and its scopes live here. */
export interface AuthorizationTable {
  id: string;
  kind: AuthorizationKind;
  app_id: string | null;
  installation_id: string | null;
  team_id: string | null;
  enterprise_id: string | null;
  user_id: string | null;
  bot_id: string | null;
  scopes: string; // comma list
  created_at: Millis;
  revoked_at: Millis | null;
}

/** Stored kinds are the domain's token kinds (slack-compat.md §1). */
export type StoredTokenKind = TokenKind;

export interface TokenTable {
  digest: string; // SHA-256 of the token string, base64url: the only form a token is kept in
  kind: StoredTokenKind;
  authorization_id: string;
  hint: string;
  family_id: string | null; // every token descended from one grant, for reuse detection
  rotated_from: string | null; // digest of the refresh token whose use minted this one
  created_at: Millis;
  expires_at: Millis | null;
  revoked_at: Millis | null;
  used_at: Millis | null; // refresh tokens: when first exchanged
  last_used_at: Millis | null;
  /** Refresh tokens, once used: the answer, sealed, repeated to retries within the grace window. */
  answer_sealed: string | null;
  replays: Generated<number>;
}

export interface SocketTicketTable {
  digest: string;
  app_id: string;
  token_digest: string;
  created_at: Millis;
  expires_at: Millis;
  used_at: Millis | null;
}

export interface EventDeliveryTable {
  event_id: string;
  app_id: string;
  team_id: string;
  type: string;
  body: string;
  created_at: Millis;
  sequence: number;
  status: 'pending' | 'delivered' | 'failed';
  attempts: Generated<number>;
  next_attempt_at: Millis;
  lease_until: Millis | null;
  last_error: string | null;
  delivered_at: Millis | null;
  delivered_via: string | null;
}

export interface AuditEventTable {
  id: string;
  at: Millis;
  event: string;
  app_id: string | null;
  team_id: string | null;
  details: string;
}

export interface SettingTable {
  key: string;
  value: string;
  updated_at: Millis;
}

export interface SessionTable {
  digest: string;
  created_at: Millis;
  expires_at: Millis;
  ended_at: Millis | null;
}

export interface SessionMemberTable {
  session_digest: string;
  user_id: string;
  signed_in_at: Millis;
}

export type Flow = 'v1' | 'v2' | 'oidc';

export interface AuthorizationRequestTable {
  id: string;
  session_digest: string;
  flow: Flow;
  app_id: string;
  params: string;
  created_at: Millis;
  expires_at: Millis;
  decided_at: Millis | null;
}

export interface CodeTable {
  digest: string;
  flow: Flow;
  app_id: string;
  team_id: string;
  user_id: string;
  redirect_uri: string | null;
  bot_scopes: string;
  user_scopes: string;
  code_challenge: string | null;
  nonce: string | null;
  webhook_channel_id: string | null;
  created_at: Millis;
  expires_at: Millis;
  used_at: Millis | null;
  issued: string | null;
  /** Sign in with Slack: when the member signed in, for the ID token's `auth_time`. */
  auth_time: Millis | null;
}

export interface SigningKeyTable {
  kid: string;
  algorithm: string;
  public_jwk: string;
  private_sealed: string | null;
  created_at: Millis;
  retired_at: Millis | null;
  published_until: Millis | null;
}

export interface IncomingWebhookTable {
  id: string;
  secret_digest: string;
  app_id: string;
  team_id: string;
  installation_id: string;
  authorization_id: string;
  channel_id: string;
  created_by: string;
  created_at: Millis;
  removed_at: Millis | null;
}

export interface MessageTable {
  channel_id: string;
  ts: string;
  team_id: string;
  user_id: string | null;
  bot_id: string | null;
  app_id: string | null;
  text: string;
  blocks: string | null;
  /** JSON array, as posted. */
  attachments: string | null;
  /** Set on replies only: the ts of the thread's parent. */
  thread_ts: string | null;
  /** A reply also shown in the channel (Slack's `reply_broadcast`). */
  reply_broadcast: Generated<Flag>;
  created_at: Millis;
}

export interface Database {
  enterprises: EnterpriseTable;
  teams: TeamTable;
  users: UserTable;
  channels: ChannelTable;
  channel_members: ChannelMemberTable;
  apps: AppTable;
  installations: InstallationTable;
  bots: BotTable;
  authorizations: AuthorizationTable;
  tokens: TokenTable;
  settings: SettingTable;
  socket_tickets: SocketTicketTable;
  event_deliveries: EventDeliveryTable;
  audit_events: AuditEventTable;
  sessions: SessionTable;
  session_members: SessionMemberTable;
  authorization_requests: AuthorizationRequestTable;
  codes: CodeTable;
  incoming_webhooks: IncomingWebhookTable;
  messages: MessageTable;
  signing_keys: SigningKeyTable;
}

export type { ColumnType, Generated };
