import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, Migrator, PostgresDialect, type Migration, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';
import { NodeSqliteDialect, openSqlite } from './sqlite.ts';
import * as m0001 from './migrations/0001_initial.ts';
import * as m0002 from './migrations/0002_install_flows.ts';
import * as m0003 from './migrations/0003_live_tokens.ts';
import * as m0004 from './migrations/0004_socket_tickets.ts';
import * as m0005 from './migrations/0005_openid.ts';
import * as m0006 from './migrations/0006_event_outbox.ts';
import * as m0007 from './migrations/0007_audit_log.ts';
import * as m0008 from './migrations/0008_message_threads.ts';

export type Engine = 'sqlite' | 'postgres';

export interface Connection {
  db: Kysely<Database>;
  engine: Engine;
  /** PostgreSQL only: the pool, for LISTEN/NOTIFY and health checks. */
  pool: pg.Pool | undefined;
  /** PostgreSQL only: the schema Tessera's tables live in. */
  schema: string | undefined;
  close(): Promise<void>;
}

const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_install_flows': m0002,
  '0003_live_tokens': m0003,
  '0004_socket_tickets': m0004,
  '0005_openid': m0005,
  '0006_event_outbox': m0006,
  '0007_audit_log': m0007,
  '0008_message_threads': m0008,
};

export class DatabaseUnavailable extends Error {
  override name = 'DatabaseUnavailable';
}

export function isPostgresUrl(spec: string): boolean {
  return spec.startsWith('postgres://') || spec.startsWith('postgresql://');
}

/**
 * Opens the store named by `--db`: a file path or `:memory:` for SQLite, a postgres:// URL for PostgreSQL. A URL
 * may carry `?schema=NAME`, which confines Tessera to that schema (made if missing): tests use it for isolation.
 */
export async function connect(spec: string, options: { queryTimeoutMs?: number } = {}): Promise<Connection> {
  if (isPostgresUrl(spec)) return connectPostgres(spec, options.queryTimeoutMs ?? 10_000);
  if (spec !== ':memory:') mkdirSync(dirname(spec), { recursive: true });
  let raw;
  try {
    raw = openSqlite(spec);
  } catch (error) {
    throw new DatabaseUnavailable(`cannot open SQLite database ${spec}: ${(error as Error).message}`);
  }
  const db = new Kysely<Database>({ dialect: new NodeSqliteDialect(raw) });
  return { db, engine: 'sqlite', pool: undefined, schema: undefined, close: () => db.destroy() };
}

async function connectPostgres(spec: string, queryTimeoutMs: number): Promise<Connection> {
  const url = new URL(spec);
  const schema = url.searchParams.get('schema');
  url.searchParams.delete('schema');
  if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new DatabaseUnavailable(`bad schema name in database URL: ${schema}`);
  }
  const pool = new pg.Pool({
    connectionString: url.toString(),
    max: 10,
    // A database that is down or unreachable fails a request within the query timeout, never hangs it.
    connectionTimeoutMillis: Math.min(5_000, queryTimeoutMs),
    query_timeout: queryTimeoutMs,
    options: schema ? `-c search_path=${schema}` : undefined,
    // Times are bigint milliseconds; within 2^53 they are exact as numbers.
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === 20 ? Number : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser },
  });
  pool.on('error', () => {}); // an idle client's error is seen again by the next query; never crash on it
  // A client in use when its connection drops emits 'error' too, with nobody listening: the query in flight
  // already fails with the same error, so this listener only keeps the process alive.
  pool.on('connect', (client) => client.on('error', () => {}));
  try {
    const client = await pool.connect();
    try {
      if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => {});
    throw new DatabaseUnavailable(`cannot reach PostgreSQL at ${redactUrl(url)}: ${(error as Error).message}`);
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, engine: 'postgres', pool, schema: schema ?? 'public', close: () => db.destroy() };
}

/** A database URL fit for a log line: the password never appears. */
export function redactUrl(url: URL): string {
  const copy = new URL(url.toString());
  if (copy.password) copy.password = '***';
  return `${copy.protocol}//${copy.username ? copy.username + (copy.password ? ':***' : '') + '@' : ''}${copy.host}${copy.pathname}`;
}

export async function migrate(connection: Connection): Promise<string[]> {
  const migrator = new Migrator({
    db: connection.db,
    provider: { getMigrations: async () => MIGRATIONS },
    // Kysely looks for its bookkeeping tables in every schema unless told which: name ours, so that several
    // Tessera databases (schemas) on one server never mistake each other's tables for their own.
    migrationTableSchema: connection.schema,
    // Migration numbers are handed out ahead of merging, so one may land after a higher one has already run.
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

export async function ping(connection: Connection): Promise<void> {
  await sql`select 1`.execute(connection.db);
}
