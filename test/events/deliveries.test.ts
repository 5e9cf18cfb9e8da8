import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { App, LogLevel, type Logger } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { signatureV0 } from '../../src/domain/events.ts';
import { freePort } from '../helpers/browser.ts';
import { ADMIN_TOKEN, moveClock, resetClock } from '../helpers/clock.ts';
import { standardFixture } from '../helpers/fixture.ts';
import { ENGINES, startServer, type TestServer } from '../helpers/server.ts';

const SIGNING = 'a0demo0001-signing-secret';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => LogLevel.ERROR, setName() {} };

interface Received {
  type: string;
  body: Record<string, unknown>;
}

/** A real Bolt app (HTTPReceiver, signature checks on) that records the events it accepts. */
async function startBolt(port: number, server: TestServer, botToken: string, signingSecret = SIGNING): Promise<{ received: Received[]; stop(): Promise<void> }> {
  const received: Received[] = [];
  const app = new App({ signingSecret, token: botToken, logger: quiet, clientOptions: { slackApiUrl: server.apiUrl, retryConfig: { retries: 0 } } });
  app.event('tokens_revoked', async ({ event, body }) => void received.push({ type: event.type, body: body as unknown as Record<string, unknown> }));
  app.event('app_uninstalled', async ({ event, body }) => void received.push({ type: event.type, body: body as unknown as Record<string, unknown> }));
  await app.start(port);
  return { received, stop: () => app.stop() as Promise<unknown> as Promise<void> };
}

async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function fixtureWithRequestUrl(requestUrl: string) {
  const made = standardFixture();
  const apps = made.fixture['apps'] as Array<Record<string, unknown>>;
  apps.find((a) => a['id'] === 'A0DEMO0001')!['request_url'] = requestUrl;
  return made;
}

for (const engine of ENGINES) {
  describe(`event deliveries to a Request URL (${engine})`, () => {
    let server: TestServer;
    let port: number;
    let tokens: ReturnType<typeof standardFixture>['tokens'];
    before(async () => {
      port = await freePort();
      const made = fixtureWithRequestUrl(`http://localhost:${port}/slack/events`);
      tokens = made.tokens;
      server = await startServer(engine, made.fixture, { adminToken: ADMIN_TOKEN });
    });
    after(() => server.close());
    afterEach(() => resetClock(server));
    const as = (token: string) => new WebClient(token, { slackApiUrl: server.apiUrl, retryConfig: { retries: 0 } });

    test('a Bolt app accepts signed tokens_revoked and app_uninstalled, in order, with Slack’s fields', async () => {
      const bolt = await startBolt(port, server, tokens.bot);
      try {
        await as(tokens.user).auth.revoke();
        const revoked = await until('tokens_revoked', () => bolt.received.find((e) => e.type === 'tokens_revoked'));
        assert.deepEqual((revoked.body['event'] as Record<string, unknown>)['tokens'], { oauth: ['U0ALICE001'], bot: [] });
        assert.equal(revoked.body['team_id'], 'T0ACME0001');
        assert.equal(revoked.body['api_app_id'], 'A0DEMO0001');
        assert.equal(revoked.body['type'], 'event_callback');
        assert.match(revoked.body['event_id'] as string, /^Ev[0-9A-Z]+$/);
        assert.ok(Math.abs((revoked.body['event_time'] as number) - Date.now() / 1000) < 60);
        assert.equal(typeof revoked.body['token'], 'string', 'the deprecated verification token is still sent');
        assert.deepEqual(revoked.body['authorizations'], [{ enterprise_id: null, team_id: 'T0ACME0001', user_id: 'U0ALICE001', is_bot: false, is_enterprise_install: false }]);
        const listed = await as(tokens.app).apps.event.authorizations.list({ event_context: revoked.body['event_context'] as string });
        assert.ok((listed.authorizations as unknown[]).length >= 1, 'apps.event.authorizations.list answers for the delivered event_context');

        const app = await server.tessera.store.apps.byId('A0DEMO0001');
        await as(tokens.bot).apps.uninstall({ client_id: app!.client_id, client_secret: 'a0demo0001-client-secret' });
        await until('app_uninstalled', () => bolt.received.find((e) => e.type === 'app_uninstalled'));
        const types = bolt.received.map((e) => e.type);
        assert.deepEqual(types.slice(-2), ['tokens_revoked', 'app_uninstalled'], 'tokens_revoked comes before app_uninstalled');
        const last = bolt.received.at(-2)!;
        const lastTokens = (last.body['event'] as { tokens: { oauth: string[]; bot: string[] } }).tokens;
        assert.equal(lastTokens.bot.length, 1, 'the bot user’s token was revoked by the uninstall');
        // The app answered before Tessera recorded the delivery: wait for the record.
        let outbox = await server.tessera.store.events.list('A0DEMO0001');
        for (let i = 0; i < 100 && !outbox.every((e) => e.status === 'delivered'); i++) {
          await new Promise((r) => setTimeout(r, 50));
          outbox = await server.tessera.store.events.list('A0DEMO0001');
        }
        assert.ok(outbox.every((e) => e.status === 'delivered' && e.deliveredVia === 'http'), JSON.stringify(outbox));
      } finally {
        await bolt.stop();
      }
    });
  });
}

describe('signatures and secrets', () => {
  test('after the signing secret is regenerated, an app holding the old one rejects the delivery; the new one accepts', async () => {
    const port = await freePort();
    const made = fixtureWithRequestUrl(`http://localhost:${port}/slack/events`);
    const server = await startServer('sqlite', made.fixture, { adminToken: ADMIN_TOKEN });
    try {
      const fresh = await server.tessera.store.apps.regenerateSigningSecret('A0DEMO0001');
      assert.match(fresh!, /^[0-9a-f]{32}$/);
      const stale = await startBolt(port, server, made.tokens.bot, SIGNING);
      await new WebClient(made.tokens.user, { slackApiUrl: server.apiUrl, retryConfig: { retries: 0 } }).auth.revoke();
      // Bolt answers 401 to a bad signature; Tessera records the failure and retries at once, then after a minute.
      let outbox = await server.tessera.store.events.list('A0DEMO0001');
      for (let i = 0; i < 100 && !(outbox[0] && outbox[0].attempts >= 2); i++) {
        await new Promise((r) => setTimeout(r, 50));
        outbox = await server.tessera.store.events.list('A0DEMO0001');
      }
      assert.equal(stale.received.length, 0, 'the app with the old secret accepted nothing');
      assert.equal(outbox[0]!.attempts, 2);
      assert.equal(outbox[0]!.status, 'pending');
      assert.equal(outbox[0]!.lastError, 'http_error');
      await stale.stop();

      const current = await startBolt(port, server, made.tokens.bot, fresh!);
      try {
        await moveClock(server, 61);
        const got = await until('the retry', () => current.received[0]);
        assert.equal(got.type, 'tokens_revoked');
      } finally {
        await current.stop();
      }
    } finally {
      await server.close();
    }
  });

  test('the v0 signature is HMAC-SHA256 of v0:timestamp:body (Slack’s documented example)', () => {
    // The example request from Slack's "Verifying requests from Slack" guide.
    const body = 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    assert.equal(signatureV0('8f742231b10e8888abcd99yyyzzz85a5', 1531420618, body), 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503');
  });
});

describe('retries survive a restart', () => {
  test('a delivery to an app that is down is retried on schedule, on the moved clock, across a restart', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'tessera-events-'));
    const made = fixtureWithRequestUrl(`http://localhost:${port}/slack/events`);
    const db = join(dir, 'tessera.db');
    const options = { adminToken: ADMIN_TOKEN, db, secretKey: 'restart' };
    let server = await startServer('sqlite', made.fixture, options);
    try {
      await new WebClient(made.tokens.user, { slackApiUrl: server.apiUrl, retryConfig: { retries: 0 } }).auth.revoke();
      // Nobody listens on the port: the first attempt and the immediate retry fail.
      let outbox = await server.tessera.store.events.list('A0DEMO0001');
      for (let i = 0; i < 100 && !(outbox[0] && outbox[0].attempts >= 2); i++) {
        await new Promise((r) => setTimeout(r, 50));
        outbox = await server.tessera.store.events.list('A0DEMO0001');
      }
      assert.equal(outbox[0]!.attempts, 2);
      assert.equal(outbox[0]!.lastError, 'connection_failed');
      await moveClock(server, 61);
      for (let i = 0; i < 100 && outbox[0]!.attempts < 3; i++) {
        await new Promise((r) => setTimeout(r, 50));
        outbox = await server.tessera.store.events.list('A0DEMO0001');
      }
      assert.equal(outbox[0]!.attempts, 3, 'the retry a minute later');

      await server.close();
      server = await startServer('sqlite', { teams: [] }, options);
      // The app comes back while Tessera was down; the last retry is five minutes after the third attempt.
      const seen: Array<{ retryNum: string | undefined; reason: string | undefined; signatureOk: boolean }> = [];
      const receiver = http.createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          const ts = Number(req.headers['x-slack-request-timestamp']);
          seen.push({ retryNum: req.headers['x-slack-retry-num'] as string | undefined, reason: req.headers['x-slack-retry-reason'] as string | undefined, signatureOk: req.headers['x-slack-signature'] === signatureV0(SIGNING, ts, body) });
          res.end('ok');
        });
      });
      await new Promise<void>((r) => receiver.listen(port, '127.0.0.1', r));
      try {
        await new Promise((r) => setTimeout(r, 500));
        assert.equal(seen.length, 0, 'not before its time');
        await moveClock(server, 300);
        await until('the last retry', () => seen[0]);
        assert.deepEqual(seen[0], { retryNum: '3', reason: 'connection_failed', signatureOk: true });
        for (let i = 0; i < 100 && outbox[0]!.status !== 'delivered'; i++) {
          await new Promise((r) => setTimeout(r, 50));
          outbox = await server.tessera.store.events.list('A0DEMO0001');
        }
        assert.equal(outbox[0]!.status, 'delivered');
      } finally {
        await new Promise((r) => receiver.close(r));
      }
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Socket Mode', () => {
  let server: TestServer;
  let tokens: ReturnType<typeof standardFixture>['tokens'];
  before(async () => {
    const made = standardFixture();
    const apps = made.fixture['apps'] as Array<Record<string, unknown>>;
    apps.find((a) => a['id'] === 'A0DEMO0001')!['socket_mode'] = true;
    tokens = made.tokens;
    server = await startServer('sqlite', made.fixture, { adminToken: ADMIN_TOKEN });
  });
  after(() => server.close());

  test('a Bolt app in Socket Mode connects through apps.connections.open, receives events and acknowledges them', async () => {
    const received: string[] = [];
    const app = new App({ socketMode: true, appToken: tokens.app, token: tokens.bot, logger: quiet, clientOptions: { slackApiUrl: server.apiUrl, retryConfig: { retries: 0 } } });
    app.event('tokens_revoked', async ({ event }) => void received.push(JSON.stringify(event.tokens)));
    await app.start();
    try {
      await new WebClient(tokens.user, { slackApiUrl: server.apiUrl, retryConfig: { retries: 0 } }).auth.revoke();
      await until('the event over the socket', () => received[0]);
      assert.equal(received[0], JSON.stringify({ oauth: ['U0ALICE001'], bot: [] }));
      let outbox = await server.tessera.store.events.list('A0DEMO0001');
      for (let i = 0; i < 40 && outbox[0]!.status !== 'delivered'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        outbox = await server.tessera.store.events.list('A0DEMO0001');
      }
      assert.equal(outbox[0]!.deliveredVia, 'socket', 'acknowledged over the socket, not posted');
    } finally {
      await app.stop();
    }
  });

  test('tickets are single use; a bad one is refused before the handshake', async () => {
    const { default: WebSocket } = await import('ws');
    const open = await new WebClient(tokens.app, { slackApiUrl: server.apiUrl, retryConfig: { retries: 0 } }).apps.connections.open();
    const connect = (url: string) =>
      new Promise<{ hello?: Record<string, unknown>; status?: number }>((resolve) => {
        const ws = new WebSocket(url);
        ws.on('message', (data) => {
          resolve({ hello: JSON.parse(data.toString()) as Record<string, unknown> });
          ws.close();
        });
        ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode }));
        ws.on('error', () => {});
      });
    const first = await connect(open.url!);
    assert.equal(first.hello?.['type'], 'hello');
    assert.deepEqual(first.hello?.['connection_info'], { app_id: 'A0DEMO0001' });
    assert.equal((await connect(open.url!)).status, 401, 'the same ticket twice');
    assert.equal((await connect(open.url!.replace(/ticket=[^&]+/, 'ticket=forgedforgedforgedforged'))).status, 401);
  });
});


describe('app credentials', () => {
  test('a regenerated client secret: the old one works 24 hours more; a new verification token reaches the payload', async () => {
    const port = await freePort();
    const made = fixtureWithRequestUrl(`http://localhost:${port}/slack/events`);
    const server = await startServer('sqlite', made.fixture, { adminToken: ADMIN_TOKEN });
    const bolt = await startBolt(port, server, made.tokens.bot);
    try {
      const app = (await server.tessera.store.apps.byId('A0DEMO0001'))!;
      const client = new WebClient(undefined, { slackApiUrl: server.apiUrl, retryConfig: { retries: 0 } });
      const exchange = (secret: string) => client.oauth.v2.access({ client_id: app.client_id, client_secret: secret, code: 'not-a-code' }).catch((e: { data?: { error?: string } }) => e.data?.error);
      const fresh = await server.tessera.store.apps.regenerateClientSecret('A0DEMO0001', server.tessera.clock.now(), 24 * 3600 * 1000);
      assert.equal(await exchange(fresh!), 'invalid_code', 'the new secret is accepted (the code is not)');
      assert.equal(await exchange('a0demo0001-client-secret'), 'invalid_code', 'so is the old one, for now');
      await moveClock(server, 24 * 3600 + 1);
      assert.equal(await exchange('a0demo0001-client-secret'), 'bad_client_secret', 'a day later it is not');
      await resetClock(server);

      const token = await server.tessera.store.apps.regenerateVerificationToken('A0DEMO0001');
      await new WebClient(made.tokens.user, { slackApiUrl: server.apiUrl, retryConfig: { retries: 0 } }).auth.revoke();
      const got = await until('the event', () => bolt.received[0]);
      assert.equal(got.body['token'], token);
    } finally {
      await bolt.stop();
      await server.close();
    }
  });
});

describe('Socket Mode limits', () => {
  test('at most 10 sockets per app; Tessera says disconnect before it closes one', async () => {
    const { default: WebSocket } = await import('ws');
    const made = standardFixture();
    (made.fixture['apps'] as Array<Record<string, unknown>>).find((a) => a['id'] === 'A0DEMO0001')!['socket_mode'] = true;
    const server = await startServer('sqlite', made.fixture);
    const sockets: Array<{ messages: Array<Record<string, unknown>>; closed: Promise<void> }> = [];
    try {
      const api = new WebClient(made.tokens.app, { slackApiUrl: server.apiUrl, retryConfig: { retries: 0 } });
      for (let i = 0; i < 11; i++) {
        const { url } = await api.apps.connections.open();
        const messages: Array<Record<string, unknown>> = [];
        const ws = new WebSocket(url!);
        const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
        ws.on('message', (data) => messages.push(JSON.parse(data.toString()) as Record<string, unknown>));
        ws.on('error', () => {});
        await until('the first message', () => messages[0]);
        sockets.push({ messages, closed });
      }
      assert.deepEqual(sockets.slice(0, 10).map((s) => s.messages[0]!['type']), Array(10).fill('hello'));
      assert.equal(sockets[9]!.messages[0]!['num_connections'], 10);
      assert.deepEqual([sockets[10]!.messages[0]!['type'], sockets[10]!.messages[0]!['reason']], ['disconnect', 'too_many_websockets']);
      await sockets[10]!.closed;
    } finally {
      await server.close();
    }
    await Promise.all(sockets.slice(0, 10).map((s) => s.closed));
    for (const s of sockets.slice(0, 10)) assert.deepEqual([s.messages.at(-1)!['type'], s.messages.at(-1)!['reason']], ['disconnect', 'refresh_requested']);
  });
});
