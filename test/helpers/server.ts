import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import pg from 'pg';
import { createTessera, type Tessera } from '../../src/app.ts';
import { configFrom, type Config } from '../../src/config.ts';
import { validateFixture } from '../../src/domain/fixture.ts';
import { createLogger } from '../../src/log.ts';

export type EngineName = 'sqlite' | 'postgres';

const POSTGRES_URL = process.env['TESSERA_TEST_POSTGRES_URL'];

/** SQLite always; PostgreSQL too when TESSERA_TEST_POSTGRES_URL is set (.ci/run sets it). */
export const ENGINES: readonly EngineName[] = POSTGRES_URL ? ['sqlite', 'postgres'] : ['sqlite'];

export interface TestDatabase {
  spec: string;
  drop(): Promise<void>;
}

/** A database of its own for one test: an in-memory SQLite, or a fresh schema in the PostgreSQL test database. */
export function testDatabase(engine: EngineName): TestDatabase {
  if (engine === 'sqlite') return { spec: ':memory:', drop: async () => {} };
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const url = new URL(POSTGRES_URL!);
  url.searchParams.set('schema', schema);
  return {
    spec: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5_000 });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

export interface TestServer {
  tessera: Tessera;
  url: string;
  apiUrl: string;
  close(): Promise<void>;
}

export async function startServer(engine: EngineName, fixture: unknown, overrides: Partial<Config> = {}): Promise<TestServer> {
  const database = testDatabase(engine);
  const config: Config = { ...configFrom({ port: '0', db: database.spec, 'rate-limits': 'off' }, {}), ...overrides };
  const tessera = await createTessera(config, { logger: createLogger('silent'), fixture: validateFixture(fixture) });
  const url = await tessera.listen();
  return {
    tessera,
    url,
    apiUrl: `${url}/api/`,
    async close() {
      await tessera.close();
      await database.drop();
    },
  };
}

/**
 * A plain HTTP call to the Web API, for what an SDK would never send. node:http rather than fetch, because fetch
 * adds a Content-Type of its own to string bodies.
 */
export function rawCall(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; json: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: init.method ?? 'POST', headers: init.headers, timeout: 10_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(text);
        } catch {
          // not every endpoint answers JSON; callers that expect it assert on json.ok
        }
        resolve({ status: response.statusCode ?? 0, headers: response.headers, json, text });
      });
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
    request.end(init.body);
  });
}

/** Writes raw bytes on a fresh TCP connection and reads until the server closes or `waitMs` passes. */
export function rawSocket(url: string, bytes: string | Buffer, options: { halfClose?: boolean; waitMs?: number } = {}): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), options.waitMs ?? 5_000);
    socket.on('connect', () => {
      socket.write(bytes);
      if (options.halfClose) socket.end();
    });
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}
