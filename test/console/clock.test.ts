import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WebClient } from '@slack/web-api';
import { ADMIN_TOKEN } from '../helpers/clock.ts';
import { installFixture, mint } from '../helpers/fixture.ts';
import { FlowClient } from '../helpers/flow.ts';
import { ENGINES, rawCall, startServer, testDatabase, type TestServer } from '../helpers/server.ts';

const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };

function fixtureWithToken() {
  const token = mint.rotatingBot();
  const fixture = installFixture() as { tokens?: unknown[] };
  fixture.tokens = [{ kind: 'bot', app_id: 'A0ROTA0001', token, refresh_token: mint.refresh() }];
  return { fixture, token };
}

for (const engine of ENGINES) {
  describe(`the admin clock API (${engine})`, () => {
    let server: TestServer;
    let token: string;
    before(async () => {
      const made = fixtureWithToken();
      token = made.token;
      server = await startServer(engine, made.fixture, { adminToken: ADMIN_TOKEN });
    });
    after(() => server.close());
    const clockUrl = () => `${server.url}/admin/api/clock`;

    test('GET reads the clock and POST advance_seconds moves it; tokens expire by it', async () => {
      const read = await rawCall(clockUrl(), { method: 'GET', headers: admin });
      assert.equal(read.status, 200);
      assert.equal(read.headers['cache-control'], 'no-store');
      const start = Date.parse(read.json['now'] as string);
      assert.ok(Math.abs(start - Date.now()) < 5_000);
      const api = new WebClient(token, { slackApiUrl: server.apiUrl, retryConfig: { retries: 0 } });
      assert.ok(((await api.auth.test()).expires_in as number) > 43_000);

      const moved = await rawCall(clockUrl(), { headers: admin, body: JSON.stringify({ advance_seconds: 43_000 }) });
      assert.equal(moved.status, 200);
      assert.ok(Math.abs(Date.parse(moved.json['now'] as string) - (start + 43_000_000)) < 5_000);
      assert.ok(((await api.auth.test()).expires_in as number) <= 200);

      const set = await rawCall(clockUrl(), { headers: admin, body: JSON.stringify({ now: new Date(Date.now() + 86_400_000).toISOString() }) });
      assert.equal(set.status, 200);
      await assert.rejects(api.auth.test(), (e: { data?: { error?: string } }) => e.data?.error === 'token_expired');
      await rawCall(clockUrl(), { headers: admin, body: JSON.stringify({ now: new Date().toISOString() }) });
      assert.equal((await api.auth.test()).ok, true, 'moving back revives it: the clock is the only judge');
    });

    test('refuses the unauthorised and the malformed, in JSON, never a 500', async () => {
      const none = await rawCall(clockUrl(), { method: 'GET' });
      assert.equal(none.status, 401);
      assert.equal(none.json['error'], 'not_authed');
      const wrong = await rawCall(clockUrl(), { method: 'GET', headers: { authorization: 'Bearer nope' } });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.json['error'], 'invalid_auth');
      const basic = await rawCall(clockUrl(), { method: 'GET', headers: { authorization: `Basic ${Buffer.from(`x:${ADMIN_TOKEN}`).toString('base64')}` } });
      assert.equal(basic.status, 401);
      for (const body of ['{}', '{"advance_seconds":"60"}', '{"advance_seconds":60,"now":"2030-01-01T00:00:00Z"}', '{"now":"tomorrow"}', '{"advance_seconds":1e300}', '[]', '"x"']) {
        const answer = await rawCall(clockUrl(), { headers: admin, body });
        assert.equal(answer.status, 400, body);
        assert.equal(answer.json['ok'], false);
        assert.equal(answer.json['error'], 'invalid_arguments', body);
      }
      const broken = await rawCall(clockUrl(), { headers: admin, body: '{"advance_seconds":' });
      assert.equal(broken.status, 400);
      assert.equal(broken.json['error'], 'invalid_json');
      const form = await rawCall(clockUrl(), { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'advance_seconds=60' });
      assert.equal(form.status, 415);
      assert.equal(form.json['error'], 'invalid_post_type');
      const read = await rawCall(clockUrl(), { method: 'GET', headers: admin });
      assert.ok(Math.abs(Date.parse(read.json['now'] as string) - Date.now()) < 5_000, 'nothing moved');
    });
  });
}

describe('the admin API without TESSERA_ADMIN_TOKEN', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer('sqlite', installFixture());
  });
  after(() => server.close());

  const asMember = async (email: string, password: string) => {
    const c = new FlowClient(server.url);
    await c.signIn(email, password);
    return [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  };

  test('a bearer token is refused; a signed-in owner may move the clock, a plain member may not', async () => {
    const url = `${server.url}/admin/api/clock`;
    const bearer = await rawCall(url, { method: 'GET', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(bearer.status, 401);
    const owner = await asMember('alice@acme.test', 'alice-password');
    const moved = await rawCall(url, { headers: { cookie: owner, 'content-type': 'application/json' }, body: '{"advance_seconds":60}' });
    assert.equal(moved.status, 200);
    assert.equal(moved.json['offset_seconds'], 60);
    const member = await asMember('bob@acme.test', 'bob-password');
    const refused = await rawCall(url, { headers: { cookie: member, 'content-type': 'application/json' }, body: '{"advance_seconds":60}' });
    assert.equal(refused.status, 403);
    assert.equal(refused.json['error'], 'not_allowed');
  });
});

for (const engine of ENGINES) {
  test(`the clock is shared by every process on one database (${engine})`, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tessera-clock-'));
    const database = engine === 'sqlite' ? { spec: path.join(dir, 'shared.db'), drop: async () => {} } : testDatabase(engine);
    const first = await startServer(engine, installFixture(), { db: database.spec, adminToken: ADMIN_TOKEN, secretKey: 'shared' });
    try {
      await rawCall(`${first.url}/admin/api/clock`, { headers: admin, body: '{"advance_seconds":7200}' });
      const second = await startServer(engine, installFixture(), { db: database.spec, adminToken: ADMIN_TOKEN, secretKey: 'shared' });
      try {
        const read = await rawCall(`${second.url}/admin/api/clock`, { method: 'GET', headers: admin });
        assert.equal(read.json['offset_seconds'], 7200, 'a process started later reads the moved clock');
        await rawCall(`${second.url}/admin/api/clock`, { headers: admin, body: '{"advance_seconds":-3600}' });
        // The first process polls the shared clock once a second.
        let seen = 0;
        for (let i = 0; i < 40 && seen !== 3600; i++) {
          await new Promise((r) => setTimeout(r, 100));
          seen = (await rawCall(`${first.url}/admin/api/clock`, { method: 'GET', headers: admin })).json['offset_seconds'] as number;
        }
        assert.equal(seen, 3600, 'a running process follows a move made by another');
      } finally {
        await second.close();
      }
    } finally {
      await first.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
