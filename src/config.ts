import { parseArgs } from 'node:util';
import { dirname, join } from 'node:path';
import { isPostgresUrl } from './store/connect.ts';
import { DEFAULT_BUDGETS, type RateLimitConfig } from './webapi/ratelimit.ts';

/** Everything Tessera can be told, from flags first and the environment second (product.md, "Start"). */
export interface Config {
  port: number;
  host: string;
  db: string;
  seed: string | undefined;
  publicUrl: string;
  /** False when publicUrl was derived from host and port (then a system-chosen port updates it). */
  publicUrlGiven: boolean;
  adminToken: string | undefined;
  secretKey: string | undefined;
  /** Where the generated server key lives when TESSERA_SECRET_KEY is not set; null for an in-memory store. */
  keyFile: string | null;
  rateLimits: RateLimitConfig;
  trustProxy: boolean | number;
  logLevel: string;
  bodyLimit: number;
  bodyTimeoutMs: number;
  /** How long a verified token may be served from memory before the store is asked again. */
  tokenCacheMs: number;
  queryTimeoutMs: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const SERVE_OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  db: { type: 'string' },
  seed: { type: 'string' },
  'public-url': { type: 'string' },
  'rate-limits': { type: 'string' },
  'redis-url': { type: 'string' },
  'trust-proxy': { type: 'string' },
  'log-level': { type: 'string' },
  'db-timeout': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Env = Record<string, string | undefined>;

export function configFrom(flags: Partial<Record<keyof typeof SERVE_OPTIONS, string | boolean | undefined>>, env: Env): Config {
  const text = (flag: keyof typeof SERVE_OPTIONS, variable: string): string | undefined => {
    const value = flags[flag];
    if (typeof value === 'string') return value;
    const fromEnv = env[variable];
    return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
  };
  const port = parsePort(text('port', 'PORT') ?? '3100');
  const host = text('host', 'HOST') ?? '127.0.0.1';
  const db = text('db', 'TESSERA_DB') ?? './data/tessera.db';
  const givenUrl = text('public-url', 'TESSERA_PUBLIC_URL');
  const publicUrl = parsePublicUrl(givenUrl ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`);
  const keyFile = db === ':memory:' ? null : env['TESSERA_SECRET_KEY_FILE'] ?? (isPostgresUrl(db) ? './data/secret.key' : join(dirname(db), 'secret.key'));
  return {
    port,
    host,
    db,
    seed: text('seed', 'TESSERA_SEED'),
    publicUrl,
    publicUrlGiven: givenUrl !== undefined,
    adminToken: env['TESSERA_ADMIN_TOKEN'] || undefined,
    secretKey: env['TESSERA_SECRET_KEY'] || undefined,
    keyFile,
    rateLimits: parseRateLimits(text('rate-limits', 'TESSERA_RATE_LIMITS'), text('redis-url', 'TESSERA_REDIS_URL')),
    trustProxy: parseTrustProxy(text('trust-proxy', 'TESSERA_TRUST_PROXY')),
    logLevel: parseLogLevel(text('log-level', 'TESSERA_LOG_LEVEL') ?? 'info'),
    bodyLimit: 1024 * 1024,
    bodyTimeoutMs: 10_000,
    tokenCacheMs: 500,
    queryTimeoutMs: parseMilliseconds(text('db-timeout', 'TESSERA_DB_TIMEOUT_MS') ?? '10000', '--db-timeout'),
  };
}

function parsePort(value: string): number {
  if (!/^[0-9]{1,5}$/.test(value) || Number(value) > 65535) throw new ConfigError(`--port must be a number from 0 to 65535, not "${value}"`);
  return Number(value);
}

function parsePublicUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`--public-url must be an absolute http(s) URL, not "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError('--public-url must start with http:// or https://');
  if (url.search || url.hash) throw new ConfigError('--public-url must not have a query or fragment');
  return value.replace(/\/+$/, '');
}

/** `off`, `on`, or budgets per minute by tier: `1=5,2=20,3=50,4=100,special=600`. */
function parseRateLimits(value: string | undefined, redisUrl: string | undefined): RateLimitConfig {
  const perMinute = { ...DEFAULT_BUDGETS };
  if (value === undefined || value === 'on') return { enabled: true, perMinute, redisUrl };
  if (value === 'off') return { enabled: false, perMinute, redisUrl };
  for (const part of value.split(',')) {
    const [tier, budget] = part.split('=');
    if (!tier || !(tier in perMinute) || !budget || !/^[1-9][0-9]{0,6}$/.test(budget)) {
      throw new ConfigError(`--rate-limits takes off, on, or tier=budget pairs like 1=5,2=20,3=50,4=100,special=600 (bad part: "${part}")`);
    }
    perMinute[tier as keyof typeof perMinute] = Number(budget);
  }
  return { enabled: true, perMinute, redisUrl };
}

function parseTrustProxy(value: string | undefined): boolean | number {
  if (value === undefined || value === 'false' || value === '0') return false;
  if (value === 'true') return true;
  if (/^[1-9][0-9]?$/.test(value)) return Number(value);
  throw new ConfigError(`--trust-proxy takes true, false or a number of proxy hops, not "${value}"`);
}

function parseLogLevel(value: string): string {
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (!levels.includes(value)) throw new ConfigError(`--log-level must be one of ${levels.join(', ')}`);
  return value;
}

export function parseServeArgs(argv: string[], env: Env): { config: Config; help: boolean } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: SERVE_OPTIONS, strict: true, allowPositionals: false });
  } catch (error) {
    throw new ConfigError((error as Error).message.split('\n')[0]!);
  }
  return { config: configFrom(parsed.values, env), help: parsed.values.help === true };
}

function parseMilliseconds(value: string, flag: string): number {
  if (!/^[0-9]{2,7}$/.test(value) || Number(value) < 50) throw new ConfigError(`${flag} takes milliseconds from 50 to 9999999 (got "${value}")`);
  return Number(value);
}
