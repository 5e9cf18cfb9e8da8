import type { Kysely } from 'kysely';

/**
 * Refreshes, made cheaper. Live tokens of an authorization, newest first, without walking its history: a refresh asks for them every time,
 * and a rotating authorization gains two tokens per refresh for as long as it lives.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // One index serves both the live tokens of an authorization (an equality seek on revoked_at IS NULL, newest
  // first) and every other lookup by authorization, so a refresh writes one authorization index, not two.
  await db.schema.dropIndex('tokens_authorization').execute();
  await db.schema.createIndex('tokens_live').on('tokens').columns(['authorization_id', 'kind', 'revoked_at', 'created_at']).execute();
  // A used refresh token keeps its sealed answer in its own row, which the refresh updates anyway: a table of
  // its own cost two more random page writes per refresh.
  await db.schema.alterTable('tokens').addColumn('answer_sealed', 'text').execute();
  await db.schema.alterTable('tokens').addColumn('replays', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.dropTable('refresh_answers').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('tokens_live').execute();
  await db.schema.createIndex('tokens_authorization').on('tokens').column('authorization_id').execute();
  await db.schema.alterTable('tokens').dropColumn('answer_sealed').execute();
  await db.schema.alterTable('tokens').dropColumn('replays').execute();
  await db.schema
    .createTable('refresh_answers')
    .addColumn('refresh_digest', 'text', (c) => c.primaryKey())
    .addColumn('answer_sealed', 'text', (c) => c.notNull())
    .addColumn('replays', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
}
