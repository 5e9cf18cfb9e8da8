import type { Kysely } from 'kysely';

/** The single-use tickets in the URLs apps.connections.open hands out, redeemed when the socket connects. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('socket_tickets')
    .addColumn('digest', 'text', (c) => c.primaryKey())
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id'))
    .addColumn('token_digest', 'text', (c) => c.notNull()) // the app-level token that asked: revoking it ends the socket
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('socket_tickets').execute();
}
