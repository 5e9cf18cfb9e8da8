import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError } from '../config.ts';
import { startTessera, type TestTessera } from './start.ts';

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  db: { type: 'string' },
  seed: { type: 'string' },
  app: { type: 'string' },
  'env-out': { type: 'string' },
  'public-url': { type: 'string' },
  'rate-limits': { type: 'string' },
  'log-level': { type: 'string' },
} as const;

type Env = Record<string, string | undefined>;

/** A shell word that survives `eval` and `source` whatever it holds. */
function quoted(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** The variables a Slack app and its test suite read, for one app of the fixture (the first by default). */
export function environment(t: TestTessera, appId?: string): Record<string, string> {
  const app = appId === undefined ? t.fixture.apps[0] : t.fixture.apps.find((a) => a.id === appId || a.client_id === appId);
  if (appId !== undefined && app === undefined) throw new ConfigError(`the fixture has no app ${appId}`);
  const vars: Record<string, string> = {
    TESSERA_URL: t.url,
    TESSERA_ADMIN_TOKEN: t.adminToken,
    SLACK_API_URL: t.apiUrl,
    SLACK_AUTHORIZE_URL: app?.classic ? t.classicAuthorizeUrl : t.authorizeUrl,
  };
  if (app) {
    vars['SLACK_APP_ID'] = app.id;
    vars['SLACK_CLIENT_ID'] = app.client_id;
    vars['SLACK_CLIENT_SECRET'] = app.client_secret;
    vars['SLACK_SIGNING_SECRET'] = app.signing_secret;
    const appToken = t.fixture.tokens.find((k) => k.kind === 'app' && k.app_id === app.id);
    if (appToken) vars['SLACK_APP_TOKEN'] = appToken.token;
  }
  return vars;
}

/**
 * `tessera test-env`: a Tessera for a test suite in any language. Prints `export NAME='value'` lines (and writes
 * them to --env-out, whole or not at all, so a script may wait for the file), then serves until interrupted.
 * Logs go to standard error, so standard output stays fit for `eval`.
 */
export async function testEnv(argv: string[], env: Env): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
  } catch (error) {
    throw new ConfigError((error as Error).message.split('\n')[0]!);
  }
  const v = parsed.values;
  const seed = v.seed ?? (env['TESSERA_SEED'] || undefined);
  let fixture: unknown;
  if (seed !== undefined) {
    try {
      fixture = JSON.parse(readFileSync(seed, 'utf8'));
    } catch (error) {
      throw new ConfigError(`cannot read the fixture ${seed}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  const port = v.port ?? '0';
  if (!/^[0-9]{1,5}$/.test(port) || Number(port) > 65535) throw new ConfigError(`--port must be a number from 0 to 65535, not "${port}"`);
  const t = await startTessera({
    fixture,
    port: Number(port),
    host: v.host,
    db: v.db,
    publicUrl: v['public-url'] ?? (env['TESSERA_PUBLIC_URL'] || undefined),
    rateLimits: v['rate-limits'],
    logLevel: v['log-level'] ?? 'warn',
    adminToken: env['TESSERA_ADMIN_TOKEN'] || undefined,
    secretKey: env['TESSERA_SECRET_KEY'] || undefined,
  });
  let vars: Record<string, string>;
  try {
    vars = environment(t, v.app);
  } catch (error) {
    await t.close();
    throw error;
  }
  const text = Object.entries(vars).map(([name, value]) => `export ${name}=${quoted(value)}\n`).join('');
  if (v['env-out'] !== undefined) {
    const temporary = `${v['env-out']}.${process.pid}.tmp`;
    writeFileSync(temporary, text, { mode: 0o600 });
    renameSync(temporary, v['env-out']);
  }
  process.stdout.write(text);
  const owner = fixture === undefined ? t.fixture.users[0] : undefined;
  if (owner) process.stderr.write(`# a demo workspace: sign in at ${t.url}/login as ${owner.email} with password ${owner.password}\n`);
  process.stderr.write(`# Tessera serves at ${t.url} until interrupted (Ctrl-C)\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    t.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
