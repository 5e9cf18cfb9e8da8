import { randomBytes } from 'node:crypto';
import { createTessera, type Tessera } from '../app.ts';
import { configFrom } from '../config.ts';
import { demoFixture } from '../demo.ts';
import { validateFixture, type Fixture } from '../domain/fixture.ts';
import type { ExchangeOptions, HeadlessInstallRequest, InstallRedirect, OAuthAnswer } from '../install/headless.ts';
import { createLogger } from '../log.ts';
import type { LoggedRequest } from '../webapi/request-log.ts';
import { KitFaults } from './faults.ts';

export interface StartOptions {
  /** The fixture to serve (product.md, "Fixture format"); only its content exists. By default a demo workspace. */
  fixture?: unknown;
  /** 0 (the default) takes a free port. */
  port?: number;
  host?: string;
  /** `:memory:` (the default), a SQLite file, or a `postgres://` URL. */
  db?: string;
  /** `off` (the default, so a suite's pace never fails it), `on`, or budgets like `2=20,3=50`. */
  rateLimits?: string;
  /** `silent` (the default) … `trace`; logs go to standard error. */
  logLevel?: string;
  /** The bearer token of the admin API; by default a random one (see `adminToken`). */
  adminToken?: string;
  publicUrl?: string;
  /** The key that seals secrets at rest; by default a random one, as nothing outlives the server. */
  secretKey?: string;
}

export interface KitClock {
  /** Tessera's time, which decides every expiry. */
  now(): Date;
  /** Moves Tessera's clock (a negative number moves it back); real time flows on from there. */
  advance(seconds: number): Promise<Date>;
  set(when: Date | string | number): Promise<Date>;
  /** Back to real time. */
  reset(): Promise<Date>;
}

export interface RequestFilter {
  /** The calling app's id. */
  app?: string;
  method?: string;
  /** Only calls recorded after the one with this id. */
  after?: number;
}

export type InstallOptions = HeadlessInstallRequest & ExchangeOptions;

/** A running Tessera for one test suite. */
export interface TestTessera {
  /** The base URL, e.g. `http://127.0.0.1:53211`. */
  readonly url: string;
  /** The Web API base, for `slackApiUrl` (ends with `/api/`). */
  readonly apiUrl: string;
  /** The v2 install flow, for `installerOptions.authorizationUrl`. */
  readonly authorizeUrl: string;
  /** The classic (v1) install flow. */
  readonly classicAuthorizeUrl: string;
  /** `Authorization: Bearer` for `/admin/api/...`. */
  readonly adminToken: string;
  /** The fixture served, with every default filled in (ids, client ids and secrets of its apps). */
  readonly fixture: Fixture;
  readonly clock: KitClock;
  readonly faults: KitFaults;
  /**
   * A member's consent without a browser, after the authorize page's own checks: the redirect to the app with its
   * code (so the app's own callback runs), or with `exchange: true` the `oauth.v2.access` / `oauth.access` answer.
   */
  install(options: InstallOptions & { exchange: true }): Promise<OAuthAnswer>;
  install(options: InstallOptions & { exchange?: false }): Promise<InstallRedirect>;
  install(options: InstallOptions & { exchange?: boolean }): Promise<InstallRedirect | OAuthAnswer>;
  /** The Web API calls answered so far, oldest first: method, arguments without secrets, outcome. */
  requests(filter?: RequestFilter): LoggedRequest[];
  clearRequests(): void;
  /** Faults, request log and clock as at the start, for a suite that shares one server between tests. */
  reset(): Promise<void>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts Tessera on a free port with an in-memory database: `const t = await startTessera({ fixture })`. */
export async function startTessera(options: StartOptions = {}): Promise<TestTessera> {
  const fixture = options.fixture === undefined ? demoFixture().fixture : validateFixture(options.fixture);
  const flags = {
    port: String(options.port ?? 0),
    host: options.host ?? '127.0.0.1',
    db: options.db ?? ':memory:',
    'rate-limits': options.rateLimits ?? 'off',
    'log-level': options.logLevel ?? 'silent',
    'public-url': options.publicUrl,
  };
  // Not the process's environment: a suite's PORT or TESSERA_DB must not leak into its test server.
  const config = {
    ...configFrom(flags, {}),
    adminToken: options.adminToken ?? randomBytes(24).toString('base64url'),
    secretKey: options.secretKey ?? randomBytes(32).toString('base64url'),
  };
  // Standard error: a test runner reads standard output (TAP), and `tessera test-env` prints variables there.
  const logger = createLogger(config.logLevel, process.stderr);
  const tessera = await createTessera(config, { fixture, logger });
  try {
    await tessera.listen();
  } catch (error) {
    await tessera.close().catch(() => {});
    throw error;
  }
  return kitOf(tessera, fixture, config.adminToken);
}

function kitOf(tessera: Tessera, fixture: Fixture, adminToken: string): TestTessera {
  const base = tessera.config.publicUrlGiven ? tessera.config.publicUrl : tessera.url;
  const clock: KitClock = {
    now: () => new Date(tessera.clock.now()),
    advance: async (seconds) => new Date(await tessera.clockSync.advance(seconds)),
    set: async (when) => new Date(await tessera.clockSync.set(new Date(when).getTime())),
    reset: async () => new Date(await tessera.clockSync.advance(-tessera.clock.offsetMs / 1000)),
  };
  const faults = new KitFaults(tessera.faults, async (app) => ((await tessera.store.apps.byId(app)) ?? (await tessera.store.apps.byClientId(app)))?.id ?? null);
  let closed: Promise<void> | undefined;
  const close = () => (closed ??= tessera.close());
  return {
    url: base,
    apiUrl: `${base}/api/`,
    authorizeUrl: `${base}/oauth/v2/authorize`,
    classicAuthorizeUrl: `${base}/oauth/authorize`,
    adminToken,
    fixture,
    clock,
    faults,
    install: ((options: InstallOptions & { exchange?: boolean }) => tessera.install(options)) as TestTessera['install'],
    requests: (filter = {}) => tessera.requests.list({ appId: filter.app, method: filter.method, afterId: filter.after }),
    clearRequests: () => tessera.requests.clear(),
    async reset() {
      faults.clear();
      tessera.requests.clear();
      await clock.reset();
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
