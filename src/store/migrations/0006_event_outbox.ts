import type { Kysely } from 'kysely';

/**
 * The durable outbox of event deliveries: written in the same transaction as the change it reports, so a crash
 * or restart loses none, and claimed with a lease so two processes never deliver one event twice at once.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('event_deliveries')
    .addColumn('event_id', 'text', (c) => c.primaryKey())
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id'))
    .addColumn('team_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull()) // JSON: the event_callback without the verification token
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('sequence', 'bigint', (c) => c.notNull()) // order per app
    .addColumn('status', 'text', (c) => c.notNull()) // pending | delivered | failed
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_until', 'bigint') // real time, not the movable clock: a lease must not lapse because a test moved time
    .addColumn('last_error', 'text')
    .addColumn('delivered_at', 'bigint')
    .addColumn('delivered_via', 'text')
    .execute();
  await db.schema.createIndex('event_deliveries_pending').on('event_deliveries').columns(['status', 'app_id', 'sequence']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('event_deliveries').execute();
}
