import type { Kysely } from 'kysely';

/** Security events (installs, consents, revocations, rotations, refresh reuse, failed secret checks, sign-ins). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('app_id', 'text')
    .addColumn('team_id', 'text')
    .addColumn('details', 'text', (c) => c.notNull()) // JSON, never a secret
    .execute();
  await db.schema.createIndex('audit_events_at').on('audit_events').columns(['at', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit_events').execute();
}
