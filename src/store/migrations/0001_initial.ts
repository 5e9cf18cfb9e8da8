import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('enterprises')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('domain', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('teams')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('domain', 'text', (c) => c.notNull().unique())
    .addColumn('enterprise_id', 'text', (c) => c.references('enterprises.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('real_name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('password_hash', 'text')
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('is_bot', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('users_team_email').on('users').columns(['team_id', 'email']).unique().execute();
  await db.schema.createIndex('users_email').on('users').column('email').execute();

  await db.schema
    .createTable('channels')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('is_private', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_archived', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('creator_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('channels_team_name').on('channels').columns(['team_id', 'name']).unique().execute();

  await db.schema
    .createTable('channel_members')
    .addColumn('channel_id', 'text', (c) => c.notNull().references('channels.id'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('joined_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('channel_members_pk', ['channel_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('apps')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id'))
    .addColumn('client_id', 'text', (c) => c.notNull().unique())
    .addColumn('client_secret_digest', 'text', (c) => c.notNull())
    .addColumn('previous_client_secret_digest', 'text')
    .addColumn('previous_client_secret_expires_at', 'bigint')
    .addColumn('signing_secret_sealed', 'text', (c) => c.notNull())
    .addColumn('verification_token_sealed', 'text', (c) => c.notNull())
    .addColumn('redirect_urls', 'text', (c) => c.notNull())
    .addColumn('bot_scopes', 'text', (c) => c.notNull())
    .addColumn('user_scopes', 'text', (c) => c.notNull())
    .addColumn('classic', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('workspace_app', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('distributed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('token_rotation', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('socket_mode', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('request_url', 'text')
    .addColumn('ip_allowlist', 'text', (c) => c.notNull())
    .addColumn('token_lifetime_seconds', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('installations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id'))
    .addColumn('team_id', 'text', (c) => c.references('teams.id'))
    .addColumn('enterprise_id', 'text', (c) => c.references('enterprises.id'))
    .addColumn('is_enterprise_install', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('bot_id', 'text')
    .addColumn('installer_user_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('uninstalled_at', 'bigint')
    .execute();
  await db.schema.createIndex('installations_app_team').on('installations').columns(['app_id', 'team_id']).execute();

  await db.schema
    .createTable('bots')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id'))
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('installation_id', 'text', (c) => c.notNull().references('installations.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .execute();

  await db.schema
    .createTable('authorizations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('app_id', 'text', (c) => c.references('apps.id'))
    .addColumn('installation_id', 'text', (c) => c.references('installations.id'))
    .addColumn('team_id', 'text', (c) => c.references('teams.id'))
    .addColumn('enterprise_id', 'text', (c) => c.references('enterprises.id'))
    .addColumn('user_id', 'text', (c) => c.references('users.id'))
    .addColumn('bot_id', 'text', (c) => c.references('bots.id'))
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('authorizations_installation').on('authorizations').column('installation_id').execute();
  await db.schema.createIndex('authorizations_user').on('authorizations').column('user_id').execute();

  await db.schema
    .createTable('tokens')
    .addColumn('digest', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('authorization_id', 'text', (c) => c.notNull().references('authorizations.id'))
    .addColumn('hint', 'text', (c) => c.notNull())
    .addColumn('family_id', 'text')
    .addColumn('rotated_from', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .addColumn('used_at', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .execute();
  await db.schema.createIndex('tokens_authorization').on('tokens').column('authorization_id').execute();
  await db.schema.createIndex('tokens_family').on('tokens').column('family_id').execute();

  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'settings',
    'tokens',
    'authorizations',
    'bots',
    'installations',
    'apps',
    'channel_members',
    'channels',
    'users',
    'teams',
    'enterprises',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
