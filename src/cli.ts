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
import { createLogger } from './log.ts';

const USAGE = `Usage: tessera <command> [options]

Commands:
  serve              serve the Web API, install flows and console (default)
  seed FILE          load a fixture into the database (loading it twice changes nothing)
  migrate            bring the database schema up to date
  tokens config --team T --user U
                     issue an app configuration token and its refresh token for a member

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

/** `tokens config`: a config token (12 hours) and its refresh token, printed once; only digests are stored. */
async function tokens(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { db: { type: 'string' }, team: { type: 'string' }, user: { type: 'string' } }, strict: true, allowPositionals: true });
  } catch (error) {
    throw new ConfigError((error as Error).message.split('\n')[0]!);
  }
  const [what, ...extra] = parsed.positionals;
  if (what !== 'config' || extra.length > 0) throw new ConfigError('usage: tessera tokens config --team T --user U');
  const { team, user } = parsed.values;
  if (!team || !user) throw new ConfigError('tokens config needs --team and --user');
  const config = configFrom({ db: parsed.values.db }, process.env);
  const box = new SecretBox(loadSecretKey({ secret: config.secretKey, keyFile: config.keyFile }));
  const store = await Store.open(config.db, box);
  try {
    await store.migrate();
    // The deployment's clock, moved or not, so the token expires when the server thinks it does.
    const clock = new Clock();
    await new ClockSync(clock, store.settings, createLogger('silent')).load();
    const issued = await store.refresh.issueConfigToken({ teamId: team, userId: user, now: clock.now(), lifetimeSeconds: CONFIG_TOKEN_LIFETIME_SECONDS });
    if (issued === 'user_not_found') throw new ConfigError(`no active member ${user} in workspace ${team}`);
    process.stdout.write(
      `token:         ${issued.accessToken}\nrefresh_token: ${issued.refreshToken}\nexpires:       ${new Date(issued.expiresAt).toISOString()}\n` +
        `Keep both secret; Tessera stores only their digests. Rotate with tooling.tokens.rotate.\n`,
    );
  } finally {
    await store.close();
  }
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
