import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createTessera } from './app.ts';
import { ConfigError, configFrom, parseServeArgs } from './config.ts';
import { SecretBox, loadSecretKey } from './crypto/sealed.ts';
import { Clock } from './domain/clock.ts';
import { FixtureError, validateFixture, type Fixture } from './domain/fixture.ts';
import { demoBanner } from './demo.ts';
import { DatabaseUnavailable } from './store/connect.ts';
import { Store } from './store/index.ts';
import { ClockSync } from './console/clock-sync.ts';
import { CONFIG_TOKEN_LIFETIME_SECONDS } from './domain/token-kinds.ts';
import { APP_LEVEL_SCOPES } from './domain/scopes.ts';
import { parseToken, tokenDigest } from './domain/token-strings.ts';
import { createLogger } from './log.ts';
import { verifyRequestUrl } from './events/request-url.ts';
import { rotateSigningKey } from './openid/keys.ts';
import { testEnv } from './kit/test-env.ts';

const USAGE = `Usage: tessera <command> [options]

Commands:
  serve              serve the Web API, install flows and console (default)
  seed FILE          load a fixture into the database (loading it twice changes nothing)
  migrate            bring the database schema up to date
  tokens config --team T --user U
                     issue an app configuration token and its refresh token for a member
  tokens app --app A --scopes connections:write,authorizations:read
                     issue an app-level token (xapp-) for an app
  tokens revoke      revoke the token read from standard input (any kind), as auth.revoke would
  keys rotate        a new key signs Sign in with Slack's ID tokens from now on; the old one stays in the JWKS
                     until the ID tokens it signed have expired
  keys list          the signing keys, and until when each is published
  apps regenerate --app A --secret client|signing|verification
                     a new secret, printed once (a client secret's predecessor works 24 hours more)
  apps request-url --app A --url URL
                     set the Request URL after Slack's url_verification challenge (--url none clears it)
  apps socket-mode --app A on|off
                     deliver events over Socket Mode instead of the Request URL
  test-env [--seed FILE] [--app A] [--env-out FILE] [--port N] [--db SPEC]
                     a Tessera for a test suite (in memory, a free port, rate limits off): prints the variables to
                     export (SLACK_API_URL, SLACK_CLIENT_ID, …, TESSERA_ADMIN_TOKEN), then serves until interrupted

Options (each also an environment variable):
  --port N           PORT (3100)
  --host H           HOST (127.0.0.1)
  --db SPEC          TESSERA_DB: a SQLite file, :memory:, or a postgres:// URL (./data/tessera.db)
  --seed FILE        TESSERA_SEED: load this fixture at start
  --public-url URL   TESSERA_PUBLIC_URL: the external base URL (http://HOST:PORT)
  --rate-limits X    TESSERA_RATE_LIMITS: on, off, or budgets like 1=5,2=20,3=50,4=100,special=600
  --redis-url URL    TESSERA_REDIS_URL: share rate-limit budgets between processes
  --trust-proxy X    TESSERA_TRUST_PROXY: false, true, or a number of proxy hops
  --log-level L      TESSERA_LOG_LEVEL: fatal, error, warn, info, debug, trace, silent (info)
  --db-timeout MS    TESSERA_DB_TIMEOUT_MS: longest wait for the database before a request fails (10000)
Also: TESSERA_SECRET_KEY (the key that seals secrets at rest), TESSERA_ADMIN_TOKEN.`;

/** Problems a person can fix get one clear line and exit code 1; anything else is a bug and says so. */
function fail(message: string): never {
  process.stderr.write(`tessera: ${message}\n`);
  process.exit(1);
}

function readFixture(path: string): Fixture {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read fixture ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`fixture ${path} is not JSON: ${(error as Error).message}`);
  }
  return validateFixture(json);
}

async function serve(argv: string[]): Promise<void> {
  const { config, help } = parseServeArgs(argv, process.env);
  if (help) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  const fixture = config.seed ? readFixture(config.seed) : undefined;
  const tessera = await createTessera(config, { fixture, demo: fixture === undefined });
  const url = await tessera.listen();
  if (tessera.demo) process.stdout.write(demoBanner(config.publicUrlGiven ? config.publicUrl : url, tessera.demo) + '\n');
  tessera.logger.info({ url, db: tessera.store.engine }, 'tessera is listening');
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    tessera.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** `seed` and `migrate` take --db alone (or TESSERA_DB). */
async function openStore(argv: string[], positionals: number): Promise<{ store: Store; rest: string[] }> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { db: { type: 'string' } }, strict: true, allowPositionals: true });
  } catch (error) {
    throw new ConfigError((error as Error).message.split('\n')[0]!);
  }
  if (parsed.positionals.length !== positionals) throw new ConfigError(positionals === 1 ? 'seed takes one fixture file' : 'migrate takes no arguments');
  const config = configFrom({ db: parsed.values.db }, process.env);
  const box = new SecretBox(loadSecretKey({ secret: config.secretKey, keyFile: config.keyFile }));
  const store = await Store.open(config.db, box);
  await store.migrate();
  return { store, rest: parsed.positionals };
}

/** `tokens config | app | revoke`: tokens an operator issues or ends by hand; secrets are printed once, never stored. */
async function tokens(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { db: { type: 'string' }, team: { type: 'string' }, user: { type: 'string' }, app: { type: 'string' }, scopes: { type: 'string' } }, strict: true, allowPositionals: true });
  } catch (error) {
    throw new ConfigError((error as Error).message.split('\n')[0]!);
  }
  const [what, ...extra] = parsed.positionals;
  const usage = 'usage: tessera tokens config --team T --user U | tokens app --app A --scopes S,S | tokens revoke < token';
  if (extra.length > 0 || (what !== 'config' && what !== 'app' && what !== 'revoke')) throw new ConfigError(usage);
  const { team, user, app, scopes } = parsed.values;
  if (what === 'config' && (!team || !user)) throw new ConfigError('tokens config needs --team and --user');
  const wanted = (scopes ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  if (what === 'app') {
    if (!app || wanted.length === 0) throw new ConfigError('tokens app needs --app and --scopes');
    const unknown = wanted.filter((x) => !APP_LEVEL_SCOPES.includes(x));
    if (unknown.length > 0) throw new ConfigError(`not app-level scopes: ${unknown.join(', ')} (choose from ${APP_LEVEL_SCOPES.join(', ')})`);
  }
  // Read before opening the store, so a missing token fails fast; stdin keeps the token out of shell history.
  const presented = what === 'revoke' ? (await readStdin()).trim() : '';
  if (what === 'revoke' && parseToken(presented) === null) throw new ConfigError('tokens revoke reads one token on standard input, and that is not a Tessera token');
  const config = configFrom({ db: parsed.values.db }, process.env);
  const box = new SecretBox(loadSecretKey({ secret: config.secretKey, keyFile: config.keyFile }));
  const store = await Store.open(config.db, box);
  try {
    await store.migrate();
    // The deployment's clock, moved or not, so a token expires when the server thinks it does.
    const clock = new Clock();
    await new ClockSync(clock, store.settings, createLogger('silent')).load();
    if (what === 'config') {
      const issued = await store.refresh.issueConfigToken({ teamId: team!, userId: user!, now: clock.now(), lifetimeSeconds: CONFIG_TOKEN_LIFETIME_SECONDS });
      if (issued === 'user_not_found') throw new ConfigError(`no active member ${user} in workspace ${team}`);
      process.stdout.write(
        `token:         ${issued.accessToken}\nrefresh_token: ${issued.refreshToken}\nexpires:       ${new Date(issued.expiresAt).toISOString()}\n` +
          `Keep both secret; Tessera stores only their digests. Rotate with tooling.tokens.rotate.\n`,
      );
    } else if (what === 'app') {
      const token = await store.appLevel.issueToken(app!, wanted, clock.now());
      if (token === 'app_not_found') throw new ConfigError(`no app ${app}`);
      process.stdout.write(`token:  ${token}\nscopes: ${wanted.join(',')}\nKeep it secret; Tessera stores only its digest. Revoke with: tessera tokens revoke\n`);
    } else {
      const result = await store.tokens.revoke(tokenDigest(presented), clock.now());
      if (result.revokedDigests.length === 0) throw new ConfigError('no live token matches');
      process.stdout.write(`revoked ${result.revokedDigests.length} token(s)${result.uninstalledInstallationId ? '; the app was uninstalled' : ''}\n`);
    }
  } finally {
    await store.close();
  }
}

/** `keys rotate | list`: Sign in with Slack's signing keys. Private keys are never printed. */
async function keys(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { db: { type: 'string' } }, strict: true, allowPositionals: true });
  } catch (error) {
    throw new ConfigError((error as Error).message.split('\n')[0]!);
  }
  const [what, ...extra] = parsed.positionals;
  if (extra.length > 0 || (what !== 'rotate' && what !== 'list')) throw new ConfigError('usage: tessera keys rotate | keys list');
  const config = configFrom({ db: parsed.values.db }, process.env);
  const box = new SecretBox(loadSecretKey({ secret: config.secretKey, keyFile: config.keyFile }));
  const store = await Store.open(config.db, box);
  try {
    await store.migrate();
    // The deployment's clock, so a retired key is published for as long as the servers' ID tokens live.
    const clock = new Clock();
    await new ClockSync(clock, store.settings, createLogger('silent')).load();
    if (what === 'rotate') {
      const rotated = await rotateSigningKey(store, clock.now());
      process.stdout.write(`new signing key: ${rotated.kid} (signs from now on, in every process on this database)\n`);
      for (const r of rotated.retired) process.stdout.write(`retired:         ${r.kid} (published until ${new Date(r.publishedUntil).toISOString()})\n`);
    } else {
      const now = clock.now();
      const list = await store.openid.signingKeys();
      if (list.length === 0) process.stdout.write('no signing keys yet: the first start of tessera serve makes one\n');
      for (const k of list) {
        const status = k.retiredAt === null ? 'active' : k.publishedUntil !== null && k.publishedUntil > now ? `retired, published until ${new Date(k.publishedUntil).toISOString()}` : 'retired, no longer published';
        process.stdout.write(`${k.kid}  ${k.algorithm}  created ${new Date(k.createdAt).toISOString()}  ${status}\n`);
      }
    }
  } finally {
    await store.close();
  }
}

/** `apps …`: an app's secrets and event settings, as its settings pages would change them. */
async function apps(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { db: { type: 'string' }, app: { type: 'string' }, secret: { type: 'string' }, url: { type: 'string' } }, strict: true, allowPositionals: true });
  } catch (error) {
    throw new ConfigError((error as Error).message.split('\n')[0]!);
  }
  const [what, ...extra] = parsed.positionals;
  const { app, secret, url } = parsed.values;
  const usage = 'usage: tessera apps regenerate --app A --secret client|signing|verification | apps request-url --app A --url URL | apps socket-mode --app A on|off';
  if (!app) throw new ConfigError(usage);
  if (what === 'regenerate' && (extra.length > 0 || (secret !== 'client' && secret !== 'signing' && secret !== 'verification'))) throw new ConfigError(usage);
  if (what === 'request-url' && (extra.length > 0 || !url)) throw new ConfigError(usage);
  if (what === 'socket-mode' && (extra.length !== 1 || (extra[0] !== 'on' && extra[0] !== 'off'))) throw new ConfigError(usage);
  if (what !== 'regenerate' && what !== 'request-url' && what !== 'socket-mode') throw new ConfigError(usage);
  const config = configFrom({ db: parsed.values.db }, process.env);
  const box = new SecretBox(loadSecretKey({ secret: config.secretKey, keyFile: config.keyFile }));
  const store = await Store.open(config.db, box);
  try {
    await store.migrate();
    if (!(await store.apps.byId(app))) throw new ConfigError(`no app ${app}`);
    if (what === 'regenerate') {
      const value =
        secret === 'client'
          ? await store.apps.regenerateClientSecret(app, Date.now(), 24 * 3600 * 1000)
          : secret === 'signing'
            ? await store.apps.regenerateSigningSecret(app)
            : await store.apps.regenerateVerificationToken(app);
      process.stdout.write(`${secret === 'verification' ? 'verification token' : `${secret} secret`}: ${value}\n${secret === 'client' ? 'The previous client secret keeps working for 24 hours.\n' : 'In force now.\n'}`);
    } else if (what === 'request-url') {
      if (url === 'none') await store.apps.setRequestUrl(app, null);
      else {
        const outcome = await verifyRequestUrl(url!, (await store.apps.signingSecret(app))!, (await store.apps.verificationToken(app))!);
        if (!outcome.ok) throw new ConfigError(`the Request URL was not verified: ${outcome.reason}`);
        await store.apps.setRequestUrl(app, url!);
      }
      process.stdout.write(url === 'none' ? 'Request URL cleared\n' : `Request URL verified and set: ${url}\n`);
    } else {
      await store.apps.setSocketMode(app, extra[0] === 'on');
      process.stdout.write(`Socket Mode ${extra[0]}\n`);
    }
  } finally {
    await store.close();
  }
}

function readStdin(): Promise<string> {
  return new Promise((resolve) => {
    if (process.stdin.isTTY) process.stderr.write('paste the token, then Ctrl-D\n');
    let text = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (c) => (text += c.length + text.length > 4096 ? '' : c));
    process.stdin.on('end', () => resolve(text));
  });
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case undefined:
      return serve([]);
    case 'serve':
      return serve(rest);
    case 'seed': {
      const fixtureArg = rest.find((a) => !a.startsWith('--') && rest[rest.indexOf(a) - 1] !== '--db');
      const fixture = fixtureArg ? readFixture(fixtureArg) : undefined;
      const { store } = await openStore(rest, 1);
      try {
        const summary = await store.loadFixture(fixture!, new Clock().now());
        process.stdout.write(`loaded ${summary.teams} teams, ${summary.users} users, ${summary.channels} channels, ${summary.apps} apps, ${summary.tokensAdded} new tokens\n`);
      } finally {
        await store.close();
      }
      return;
    }
    case 'tokens':
      return tokens(rest);
    case 'keys':
      return keys(rest);
    case 'apps':
      return apps(rest);
    case 'test-env':
      return testEnv(rest, process.env);
    case 'migrate': {
      const { store } = await openStore(rest, 0);
      await store.close();
      process.stdout.write('the database schema is up to date\n');
      return;
    }
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(USAGE + '\n');
      return;
    default:
      if (command.startsWith('--')) return serve(process.argv.slice(2));
      throw new ConfigError(`unknown command "${command}" (try tessera --help)`);
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DatabaseUnavailable) fail(error.message);
  if (error instanceof FixtureError) fail(`the fixture has ${error.problems.length} problem(s); nothing was loaded:\n  ${error.problems.join('\n  ')}`);
  const e = error as NodeJS.ErrnoException;
  if (e?.code === 'EADDRINUSE') fail(`the address is already in use (${e.message.replace(/^listen EADDRINUSE: address already in use /, '')})`);
  if (e?.code === 'EACCES') fail(`permission denied: ${e.message}`);
  if (e?.name === 'ConfigError') fail(e.message);
  fail(`could not start: ${e?.message ?? String(error)}`);
});
