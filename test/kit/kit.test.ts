import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WebClient } from '@slack/web-api';
import { startTessera, type TestTessera } from '../../src/index.ts';
import { clientOf, installFixture } from '../helpers/fixture.ts';
import { ENGINES, testDatabase } from '../helpers/server.ts';

const admin = async (t: TestTessera, method: string, path: string, body?: unknown) => {
  const answer = await fetch(`${t.url}/admin/api/${path}`, {
    method,
    headers: { authorization: `Bearer ${t.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await answer.json()) as Record<string, unknown>;
};

/** Issue 10, items 1 and 3: start in one line, move time, inject faults, read what the app did. */
for (const engine of ENGINES) {
  describe(`the test kit (${engine})`, () => {
    const database = testDatabase(engine);
    let t: TestTessera;
    before(async () => {
      t = await startTessera({ fixture: installFixture(), db: database.spec });
    });
    after(async () => {
      await t.close();
      await database.drop();
    });

    test('its URLs are where Slack\'s SDKs expect them', async () => {
      assert.match(t.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(t.apiUrl, `${t.url}/api/`);
      assert.equal(t.authorizeUrl, `${t.url}/oauth/v2/authorize`);
      assert.equal(t.classicAuthorizeUrl, `${t.url}/oauth/authorize`);
      assert.equal((await fetch(`${t.url}/healthz`)).status, 200);
      const page = await fetch(`${t.authorizeUrl}?client_id=${clientOf('A0INST0001').clientId}&scope=chat:write`, { redirect: 'manual' });
      assert.equal(page.status, 302, 'the browser flow is there too');
      assert.equal(t.fixture.apps.find((a) => a.id === 'A0INST0001')?.client_secret, clientOf('A0INST0001').clientSecret);
    });

    test('clock.advance expires a rotating token, as the admin API clock sees it; reset brings it back', async () => {
      const installed = await t.install({ app: 'A0ROTA0001', exchange: true });
      const client = new WebClient(installed['access_token'] as string, { slackApiUrl: t.apiUrl, retryConfig: { retries: 0 } });
      assert.equal((await client.auth.test()).ok, true);
      const before = Date.now();
      const moved = await t.clock.advance(43200);
      assert.ok(moved.getTime() - before >= 43200 * 1000);
      await assert.rejects(client.auth.test(), /token_expired/);
      assert.equal((await admin(t, 'GET', 'clock'))['offset_seconds'], 43200, 'one clock: the admin API reads the same offset');
      await admin(t, 'POST', 'clock', { advance_seconds: 60 });
      assert.ok(t.clock.now().getTime() - Date.now() >= 43260 * 1000 - 1000, 'and the kit reads what the admin API moved');
      await t.clock.reset();
      assert.ok(Math.abs(t.clock.now().getTime() - Date.now()) < 1000);
      assert.equal((await client.auth.test()).ok, true);
      await t.clock.set('2030-01-01T00:00:00Z');
      assert.equal(t.clock.now().toISOString().slice(0, 16), '2030-01-01T00:00');
      await t.clock.reset();
    });

    test('faults: an error for the next N calls of one app and method, then normal service', async () => {
      const bot = (await t.install({ app: 'A0INST0001', scopes: ['team:read'], exchange: true }))['access_token'] as string;
      const other = (await t.install({ app: 'A0ROTA0001', exchange: true }))['access_token'] as string;
      const client = new WebClient(bot, { slackApiUrl: t.apiUrl, retryConfig: { retries: 0 } });
      const fault = await t.faults.add({ app: 'A0INST0001', method: 'team.info', error: 'internal_error', times: 2 });
      assert.equal(fault.remaining, 2);
      assert.equal(t.faults.list().length, 1);
      assert.equal((await new WebClient(other, { slackApiUrl: t.apiUrl }).team.info()).ok, true, 'another app is untouched');
      assert.equal((await client.auth.test()).ok, true, 'another method is untouched');
      await assert.rejects(client.team.info(), /internal_error/);
      await assert.rejects(client.team.info(), /internal_error/);
      assert.equal((await client.team.info()).ok, true);
      assert.deepEqual(t.faults.list(), []);
    });

    test('faults: a rate limit answers 429 with Retry-After, which WebClient honours', async () => {
      const bot = (await t.install({ app: 'A0INST0001', scopes: ['team:read'], exchange: true }))['access_token'] as string;
      // By client id too, as an app's configuration names itself.
      await t.faults.rateLimit({ app: clientOf('A0INST0001').clientId, method: 'team.info', retryAfter: 7 });
      const rejecting = new WebClient(bot, { slackApiUrl: t.apiUrl, rejectRateLimitedCalls: true });
      await assert.rejects(rejecting.team.info(), (e: { code?: string; retryAfter?: number }) => e.code === 'slack_webapi_rate_limited_error' && e.retryAfter === 7);
      await t.faults.rateLimit({ app: 'A0INST0001', method: 'team.info', retryAfter: 1 });
      const mark = t.requests().at(-1)!.id;
      const started = Date.now();
      assert.equal((await new WebClient(bot, { slackApiUrl: t.apiUrl }).team.info()).ok, true);
      assert.ok(Date.now() - started >= 1000, 'WebClient waited Retry-After');
      assert.deepEqual(t.requests({ after: mark }).map((r) => [r.method, r.error]), [['team.info', 'ratelimited'], ['team.info', null]]);
    });

    test('faults that could never fire are refused at once', async () => {
      await assert.rejects(t.faults.add({ app: 'A0INST0001', method: 'team.infos', error: 'internal_error' }), /no Web API method team\.infos/);
      await assert.rejects(t.faults.rateLimit({ app: 'A0TYPO0001' }), /no app A0TYPO0001/);
      await assert.rejects(t.faults.add({ app: 'A0INST0001', error: 'Not A Code' }), /Slack error code/);
      assert.deepEqual(t.faults.list(), []);
    });

    test('requests: what an app called, with which arguments (never a secret) and how it went', async () => {
      t.clearRequests();
      const { clientId, clientSecret } = clientOf('A0INST0001');
      const { code } = await t.install({ app: 'A0INST0001', scopes: ['team:read'] });
      const answer = await new WebClient(undefined, { slackApiUrl: t.apiUrl }).oauth.v2.access({ client_id: clientId, client_secret: clientSecret, code: code! });
      const bot = new WebClient(answer.access_token, { slackApiUrl: t.apiUrl, retryConfig: { retries: 0 } });
      await bot.team.info({ team: 'T0ACME0001' });
      await assert.rejects(bot.team.info({ team: 'T0BETA0001' }), /team_not_found/);
      const calls = t.requests({ app: 'A0INST0001' });
      assert.deepEqual(calls.map((c) => [c.method, c.ok]), [['oauth.v2.access', true], ['team.info', true], ['team.info', false]]);
      assert.deepEqual(calls[0]!.args, { client_id: clientId, client_secret: '[redacted]', code: '[redacted]' });
      assert.equal(calls[1]!.args['team'], 'T0ACME0001');
      assert.equal(calls[1]!.tokenKind, 'bot');
      assert.doesNotMatch(JSON.stringify(calls), new RegExp(`${clientSecret}|${code}|${answer.access_token}`));
      assert.equal(calls[2]!.error, 'team_not_found');
      assert.equal(t.requests({ app: 'A0INST0001', method: 'oauth.v2.access' }).length, 1);
      assert.deepEqual(t.requests({ app: 'A0ROTA0001' }), []);
      await t.reset();
      assert.deepEqual(t.requests(), []);
    });
  });
}

test('startTessera without a fixture serves a demo workspace, closes twice harmlessly, and disposes with await using', async () => {
  let url: string;
  {
    await using t = await startTessera();
    url = t.url;
    const app = t.fixture.apps[0]!;
    const answer = await t.install({ app: app.id, exchange: true });
    assert.equal(answer.ok, true, JSON.stringify(answer));
    assert.equal((await fetch(`${t.url}/healthz`)).status, 200);
  }
  await assert.rejects(fetch(`${url}/healthz`), 'closed when the block ends');
  const t = await startTessera();
  await t.close();
  await t.close();
});
