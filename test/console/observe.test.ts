import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ErrorCode, WebClient } from '@slack/web-api';
import { ADMIN_TOKEN } from '../helpers/clock.ts';
import { standardFixture, type StandardTokens } from '../helpers/fixture.ts';
import { rawCall, startServer, type TestServer } from '../helpers/server.ts';

const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };

/** Faults, the request log and the audit log, through the admin API (slack-compat.md §12). */
describe('faults, requests and audit over the admin API', () => {
  let server: TestServer;
  let tokens: StandardTokens;
  const as = (token?: string, extra: Record<string, unknown> = {}) => new WebClient(token, { slackApiUrl: server.apiUrl, retryConfig: { retries: 0 }, ...extra });
  const adminCall = (path: string, init: { method?: string; body?: unknown } = {}) =>
    rawCall(`${server.url}/admin/api/${path}`, { method: init.method ?? (init.body === undefined ? 'GET' : 'POST'), headers: admin, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  before(async () => {
    const made = standardFixture();
    tokens = made.tokens;
    server = await startServer('sqlite', made.fixture, { adminToken: ADMIN_TOKEN });
  });
  after(() => server.close());

  test('an injected error answers the app’s next calls of that method, then stops; other apps are untouched', async () => {
    const added = await adminCall('faults', { body: { app_id: 'A0DEMO0001', method: 'team.info', error: 'internal_error', times: 2 } });
    assert.equal(added.json['ok'], true);
    for (let i = 0; i < 2; i++) await assert.rejects(as(tokens.bot).team.info(), (e: { data?: { error?: string } }) => e.data?.error === 'internal_error');
    assert.equal((await as(tokens.bot).team.info()).ok, true);
    await adminCall('faults', { body: { app_id: 'A0DEMO0001', method: 'team.info', error: 'service_unavailable' } });
    assert.equal((await as(tokens.classicBot).team.info()).ok, true, 'another app');
    assert.equal((await as(tokens.bot).auth.test()).ok, true, 'another method');
    assert.equal(((await adminCall('faults')).json['faults'] as unknown[]).length, 1);
    await adminCall('faults', { method: 'DELETE' });
    assert.equal((await as(tokens.bot).team.info()).ok, true);
  });

  test('an injected rate limit reaches WebClient as its rate-limited error with that retryAfter', async () => {
    await adminCall('faults', { body: { app_id: 'A0DEMO0001', method: 'auth.test', rate_limit: { retry_after: 7 } } });
    await assert.rejects(as(tokens.bot, { rejectRateLimitedCalls: true }).auth.test(), (e: { code?: string; retryAfter?: number }) => e.code === ErrorCode.RateLimitedError && e.retryAfter === 7);
    assert.equal((await as(tokens.bot).auth.test()).ok, true);
    const bad = await adminCall('faults', { body: { error: 'Not A Code' } });
    assert.equal(bad.status, 400);
  });

  test('the request log lists an app’s calls with their outcome, and never a secret', async () => {
    await adminCall('requests', { method: 'DELETE' });
    await as(tokens.bot).auth.test();
    await as().oauth.v2.access({ client_id: (await server.tessera.store.apps.byId('A0DEMO0001'))!.client_id, client_secret: 'a0demo0001-client-secret', code: 'some-code-value' }).catch(() => {});
    const log = (await adminCall('requests?app_id=A0DEMO0001')).json['requests'] as Array<Record<string, unknown>>;
    assert.deepEqual(log.map((r) => [r['method'], r['tokenKind'], r['ok'], r['error']]), [
      ['auth.test', 'bot', true, null],
      ['oauth.v2.access', null, false, 'invalid_code'],
    ]);
    const text = JSON.stringify(log);
    for (const secret of [tokens.bot, 'a0demo0001-client-secret', 'some-code-value']) assert.ok(!text.includes(secret), `the log holds ${secret.slice(0, 8)}…`);
    assert.equal((log[1]!['args'] as Record<string, unknown>)['client_secret'], '[redacted]');
  });

  test('the audit log records revocations and failed secret checks', async () => {
    await as(tokens.deactivatedLegacy).auth.revoke().catch(() => {});
    await as(tokens.classicUser).auth.revoke();
    await as().oauth.v2.access({ client_id: (await server.tessera.store.apps.byId('A0DEMO0001'))!.client_id, client_secret: 'wrong-secret', code: 'x' }).catch(() => {});
    const events = (await adminCall('audit')).json['events'] as Array<Record<string, unknown>>;
    const names = events.map((e) => e['event']);
    assert.ok(names.includes('token_revoked'));
    assert.ok(names.includes('client_secret_failed'));
    assert.equal(events.find((e) => e['event'] === 'client_secret_failed')!['appId'], 'A0DEMO0001');
    assert.ok(!JSON.stringify(events).includes('wrong-secret'));
  });
});
