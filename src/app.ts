import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { SecretBox, loadSecretKey } from './crypto/sealed.ts';
import type { Config } from './config.ts';
import { Clock } from './domain/clock.ts';
import type { Fixture } from './domain/fixture.ts';
import { demoFixture, type DemoCredentials } from './demo.ts';
import { createLogger, type Logger } from './log.ts';
import { Store } from './store/index.ts';
import { Authenticator } from './webapi/authenticate.ts';
import { Faults } from './webapi/faults.ts';
import { RequestLog } from './webapi/request-log.ts';
import { LastUsed } from './webapi/last-used.ts';
import { WebApi } from './webapi/dispatch.ts';
import { createApiHandler } from './webapi/http.ts';
import { METHODS } from './webapi/methods/index.ts';
import { RateLimits } from './webapi/ratelimit.ts';
import { MethodRegistry } from './webapi/registry.ts';
import type { Services } from './webapi/services.ts';
import { registerPages } from './oauth/index.ts';
import { registerHooks } from './webhooks/incoming.ts';
import { registerAdminApi } from './console/api.ts';
import { ClockSync } from './console/clock-sync.ts';
import { AdminAccess } from './console/access.ts';
import { AdminService } from './console/admin.ts';
import { registerConsole } from './console/pages/index.ts';
import { EventDeliverer } from './events/deliverer.ts';
import { SocketHub } from './events/sockets.ts';
import { verifyRequestUrl } from './events/request-url.ts';
import { encodeEventContext } from './domain/event-context.ts';
import { randomBase62 } from './domain/base62.ts';
import { randomBytes } from 'node:crypto';
import { Sessions } from './oauth/session.ts';
import { ensureSigningKey } from './openid/keys.ts';
import { LoginThrottle } from './oauth/throttle.ts';
import { errorPage } from './oauth/authorize.ts';
import { install, type HeadlessDeps, type HeadlessInstall, type InstallRedirect, type OAuthAnswer } from './install/headless.ts';

export interface Tessera {
  readonly config: Config;
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Set once listening: the address it answers on. */
  readonly url: string;
  /** The demo workspace's secrets, when this start created it. */
  readonly demo: DemoCredentials | undefined;
  /** The Web API calls this process answered, newest last (the console's request log, the test kit's requests()). */
  readonly requests: RequestLog;
  /** Errors and rate limits to inject into apps' next calls. */
  readonly faults: Faults;
  /** Moves the clock for every process on this database (what POST /admin/api/clock does). */
  readonly clockSync: ClockSync;
  /** A member's consent without a browser (the test kit, POST /admin/api/install). */
  install(request: HeadlessInstall): Promise<InstallRedirect | OAuthAnswer>;
  /** Every route of the browser-facing server (not /api), for tests that must cover each one. */
  readonly routes: ReadonlyArray<{ method: string; url: string }>;
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface CreateOptions {
  logger?: Logger;
  /** A fixture to load before serving (in place of `config.seed`). */
  fixture?: Fixture;
  /** Create the demo workspace when the store is empty and no fixture is given (the CLI's first start). */
  demo?: boolean;
}

/** Builds a whole Tessera from its parts: store, clock, Web API, pages. Also the base of the in-process API. */
export async function createTessera(config: Config, options: CreateOptions = {}): Promise<Tessera> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const box = new SecretBox(loadSecretKey({ secret: config.secretKey, keyFile: config.keyFile }));
  const clock = new Clock();
  const store = await Store.open(config.db, box, { queryTimeoutMs: config.queryTimeoutMs });
  let demo: DemoCredentials | undefined;
  // Client secrets are stored as digests; a headless install's exchange needs the fixture's own.
  let fixtureSecrets = new Map(options.fixture?.apps.map((a) => [a.id, a.client_secret]));
  try {
    await store.migrate();
    if (options.fixture) await store.loadFixture(options.fixture, clock.now());
    else if (options.demo && (await store.isEmpty())) {
      const made = demoFixture();
      await store.loadFixture(made.fixture, clock.now());
      demo = made.credentials;
      fixtureSecrets = new Map(made.fixture.apps.map((a) => [a.id, a.client_secret]));
    }
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
  const clockSync = new ClockSync(clock, store.settings, logger);
  await clockSync.load();
  // Sign in with Slack's signing key, made on the first start and shared through the store by every process.
  await ensureSigningKey(store, clock.now());
  clockSync.start();

  const authenticator = new Authenticator(store.tokens, clock, { freshnessMs: config.tokenCacheMs });
  const rateLimits = new RateLimits(config.rateLimits);
  if (!(await rateLimits.ready())) logger.warn({ event: 'redis_unavailable' }, 'Redis is not reachable: rate-limit budgets are counted per process until it is');
  const sockets = new SocketHub(store, clock, logger);
  const deliverer = new EventDeliverer(store, clock, logger, sockets);
  let publicUrl = config.publicUrl;
  const services: Services = {
    store,
    clock,
    get publicUrl() {
      return publicUrl;
    },
    rotation: { graceMs: 60_000, maxReplays: 3 },
    audit(event) {
      logger.info(event, 'security event');
      const { event: name, ...details } = event;
      store.audit.record(clock.now(), name, details).catch((error: Error) => logger.warn({ err: { message: error.message } }, 'could not write the audit log'));
    },
    tokensChanged(digests) {
      if (digests === 'all') authenticator.invalidateAll();
      else authenticator.invalidate(digests);
    },
    async revokeToken(digest) {
      const result = await store.tokens.revoke(digest, clock.now());
      // An uninstall or a deactivated bot ends tokens beyond the listed ones: forget every cached check.
      if (result.uninstalledInstallationId || result.deactivatedBotId) authenticator.invalidateAll();
      else authenticator.invalidate(result.revokedDigests.length > 0 ? result.revokedDigests : [digest]);
      if (result.revokedDigests.length > 0) services.audit({ event: 'token_revoked', tokens: result.revokedDigests.length, uninstalled: result.uninstalledInstallationId !== null, bot_deactivated: result.deactivatedBotId !== null });
      // A revoked app-level token ends the sockets it opened; the events the revocation recorded go out now.
      sockets.disconnectToken(new Set(result.revokedDigests));
      void deliverer.tick();
      return result;
    },
  };
  const requests = new RequestLog();
  const faults = new Faults();
  const lastUsed = new LastUsed((digests, at) => store.tokens.touch(digests, at), logger);
  lastUsed.start();
  const webApi = new WebApi(new MethodRegistry(METHODS), authenticator, rateLimits, services, logger, { requests, faults, lastUsed });
  const { handleApi, handleClientError } = createApiHandler(webApi, {
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
  });

  const fastify = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: config.trustProxy as boolean, // a hop count works too (proxy-addr), though the types omit it
    bodyLimit: config.bodyLimit,
    clientErrorHandler(error, socket) {
      if (handleClientError(error, socket)) return;
      // Malformed HTTP never reaches a handler: a bare status, as Node itself would send, and the socket closes.
      if (socket.writable) {
        const status = (error as NodeJS.ErrnoException).code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : (error as NodeJS.ErrnoException).code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
        socket.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      } else socket.destroy();
    },
    serverFactory: (handler) => {
      const server = createServer(
        {
          // Node's own request timer bounds slow clients without a timer per request; a body still missing at
          // the deadline is answered `request_timeout` by the API's client-error hook.
          requestTimeout: config.bodyTimeoutMs,
          headersTimeout: config.bodyTimeoutMs,
          connectionsCheckingInterval: Math.max(25, Math.min(1_000, Math.floor(config.bodyTimeoutMs / 4))),
          keepAliveTimeout: 5_000,
        },
        (req, res) => {
          if (req.url !== undefined && req.url.startsWith('/api/')) handleApi(req, res);
          else handler(req, res);
        },
      );
      // Socket Mode's WebSockets (the URLs apps.connections.open hands out); no other upgrade is accepted.
      server.on('upgrade', (request, socket, head) => {
        socket.on('error', () => socket.destroy());
        void sockets.upgrade(request, socket, head);
      });
      return server;
    },
  }) as unknown as FastifyInstance;
  const routes: Array<{ method: string; url: string }> = [];
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url });
  });
  fastify.get('/healthz', async () => ({ ok: true }));
  const pageDeps = {
    store,
    clock,
    sessions: new Sessions(store, box, clock, config.publicUrl.startsWith('https:')),
    throttle: new LoginThrottle(),
    logger,
    publicUrl: () => publicUrl,
    audit: (event: Record<string, unknown> & { event: string }) => services.audit(event),
  };
  await registerPages(fastify, pageDeps);
  const headless: HeadlessDeps = {
    store,
    clock,
    audit: (event) => services.audit(event),
    apiUrl: () => (url === '' ? '' : `${url}/api/`),
    clientSecret: (appId) => fixtureSecrets.get(appId),
  };
  registerHooks(fastify, pageDeps);
  const access = new AdminAccess(pageDeps.sessions, box, config.adminToken);
  const admin = new AdminService(services);
  registerConsole(fastify, { store, admin, access, sessions: pageDeps.sessions, clock, clockSync, faults, requests, secureCookies: config.publicUrl.startsWith('https:'), flushLastUsed: () => lastUsed.flush() });
  registerAdminApi(fastify, {
    clock,
    clockSync,
    access,
    admin,
    store,
    flushLastUsed: () => lastUsed.flush(),
    logger,
    publicUrl: () => publicUrl,
    requests,
    faults,
    install: (request) => install(headless, request),
    audit: store.audit,
    async eventContext(appId, teamId) {
      if ((await store.tokens.installationOf(appId, teamId)) === null) return null;
      const team = await store.workspaces.team(teamId);
      return encodeEventContext({ appId, teamId, enterpriseId: team?.enterprise_id ?? null, eventId: `Ev${randomBase62(10, randomBytes)}` }, (payload) => box.mac('event_context', payload));
    },
  });
  fastify.setNotFoundHandler((_request, reply) => errorPage(reply, 404, 'Not found', 'There is no page at this address.'));
  fastify.setErrorHandler((error: { statusCode?: number; message?: string }, _request, reply) => {
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    // Never a stack trace: a page that says what happened, and the details in the log.
    if (status === 500) logger.error({ err: { message: error.message } }, 'page failed');
    return errorPage(reply, status, status === 500 ? 'Something went wrong' : 'Bad request', status === 500 ? 'Tessera could not complete this request. Try again.' : 'This request could not be understood.');
  });

  /**
   * Request URLs from a fixture get Slack's url_verification challenge once Tessera is up. A fixture states what
   * exists, so a URL that does not answer yet (its app starts after Tessera) is kept, and the outcome is logged.
   */
  async function challengeFixtureRequestUrls(fixture: Fixture): Promise<void> {
    try {
      for (const app of fixture.apps) {
        if (!app.request_url) continue;
        const outcome = await verifyRequestUrl(app.request_url, app.signing_secret, (await store.apps.verificationToken(app.id)) ?? '');
        if (outcome.ok) logger.info({ event: 'request_url_verified', app: app.id }, 'Request URL verified');
        else logger.warn({ event: 'request_url_unverified', app: app.id, reason: outcome.reason }, 'Request URL did not answer the challenge; events will be retried');
      }
    } catch {
      // closed while challenging: nothing to report to
    }
  }

  let url = '';
  const tessera: Tessera = {
    config,
    store,
    clock,
    logger,
    demo,
    requests,
    faults,
    clockSync,
    install: (request) => install(headless, request),
    routes,
    get url() {
      return url;
    },
    async listen() {
      await fastify.listen({ port: config.port, host: config.host });
      const address = (fastify.server as Server).address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      url = `http://${host}:${address.port}`;
      // On a port chosen by the system (0), links can only name the real one once it is known.
      if (!config.publicUrlGiven) publicUrl = url;
      deliverer.start();
      if (options.fixture) void challengeFixtureRequestUrls(options.fixture);
      return url;
    },
    async close() {
      clockSync.stop();
      await lastUsed.stop();
      await deliverer.stop();
      await sockets.close();
      await fastify.close();
      await rateLimits.close();
      await store.close();
    },
  };
  return tessera;
}
