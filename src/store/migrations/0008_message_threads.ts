import type { Kysely } from 'kysely';

/**
 * Threads and attachments for chat.postMessage: a reply keeps its parent's `thread_ts` and stays out of the
 * channel's history unless it was broadcast. One column per statement, as SQLite adds columns one at a time.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('thread_ts', 'text').execute();
  await db.schema.alterTable('messages').addColumn('reply_broadcast', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('messages').addColumn('attachments', 'text').execute();
  await db.schema.createIndex('messages_thread').on('messages').columns(['channel_id', 'thread_ts']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('messages_thread').execute();
  for (const column of ['attachments', 'reply_broadcast', 'thread_ts']) await db.schema.alterTable('messages').dropColumn(column).execute();
}
