import type { Kysely } from 'kysely';

/** Sign-in sessions, pending authorization requests, authorization codes, incoming webhooks and messages. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sessions')
    .addColumn('digest', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .execute();

  await db.schema
    .createTable('session_members')
    .addColumn('session_digest', 'text', (c) => c.notNull().references('sessions.digest'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('signed_in_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('session_members_pk', ['session_digest', 'user_id'])
    .execute();

  await db.schema
    .createTable('authorization_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('session_digest', 'text', (c) => c.notNull())
    .addColumn('flow', 'text', (c) => c.notNull())
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id'))
    .addColumn('params', 'text', (c) => c.notNull()) // JSON: the request as validated at authorize
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('decided_at', 'bigint')
    .execute();

  await db.schema
    .createTable('codes')
    .addColumn('digest', 'text', (c) => c.primaryKey())
    .addColumn('flow', 'text', (c) => c.notNull())
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id'))
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('redirect_uri', 'text') // as sent at authorize; null when none was sent
    .addColumn('bot_scopes', 'text', (c) => c.notNull())
    .addColumn('user_scopes', 'text', (c) => c.notNull())
    .addColumn('code_challenge', 'text')
    .addColumn('nonce', 'text')
    .addColumn('webhook_channel_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('issued', 'text') // JSON {tokens, webhook}: what this code's exchange issued, revoked on replay
    .execute();

  // The answer a refresh gave, sealed, so that a retry within the grace window gets the same tokens back.
  await db.schema
    .createTable('refresh_answers')
    .addColumn('refresh_digest', 'text', (c) => c.primaryKey())
    .addColumn('answer_sealed', 'text', (c) => c.notNull())
    .addColumn('replays', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('incoming_webhooks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('secret_digest', 'text', (c) => c.notNull())
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id'))
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id'))
    .addColumn('installation_id', 'text', (c) => c.notNull().references('installations.id'))
    .addColumn('authorization_id', 'text', (c) => c.notNull().references('authorizations.id'))
    .addColumn('channel_id', 'text', (c) => c.notNull().references('channels.id'))
    .addColumn('created_by', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('removed_at', 'bigint')
    .execute();
  await db.schema.createIndex('incoming_webhooks_installation').on('incoming_webhooks').column('installation_id').execute();

  await db.schema
    .createTable('messages')
    .addColumn('channel_id', 'text', (c) => c.notNull().references('channels.id'))
    .addColumn('ts', 'text', (c) => c.notNull())
    .addColumn('team_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('bot_id', 'text')
    .addColumn('app_id', 'text')
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('blocks', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('messages_pk', ['channel_id', 'ts'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['messages', 'incoming_webhooks', 'refresh_answers', 'codes', 'authorization_requests', 'session_members', 'sessions']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
