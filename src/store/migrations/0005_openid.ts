import type { Kysely } from 'kysely';

/**
 * Sign in with Slack: the keys ID tokens are signed with, and when each code's member signed in (`auth_time`).
 * A key's private half is sealed with the server key and dropped when the key retires; its public half stays
 * published until the last ID token it signed has expired.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('signing_keys')
    .addColumn('kid', 'text', (c) => c.primaryKey()) // the JWK thumbprint (RFC 7638) of the public key
    .addColumn('algorithm', 'text', (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull()) // JSON
    .addColumn('private_sealed', 'text') // null once retired: a retired key never signs again
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('retired_at', 'bigint')
    .addColumn('published_until', 'bigint') // set at retirement
    .execute();
  await db.schema.alterTable('codes').addColumn('auth_time', 'bigint').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('codes').dropColumn('auth_time').execute();
  await db.schema.dropTable('signing_keys').execute();
}
