import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ENGINES, rawCall, rawSocket, startServer, type TestServer } from '../helpers/server.ts';
import { standardFixture, type StandardTokens } from '../helpers/fixture.ts';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** Every request error of slack-compat.md §2 and every authentication outcome of §3, over plain HTTP. */
for (const engine of ENGINES) {
  describe(`the Web API envelope (${engine})`, () => {
    let server: TestServer;
    let tokens: StandardTokens;
    const call = (method: string, init: Parameters<typeof rawCall>[1] = {}) => rawCall(server.apiUrl + method, init);
    const bearer = (token: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, ...extra });

    before(async () => {
      const made = standardFixture();
      tokens = made.tokens;
      server = await startServer(engine, made.fixture, { bodyTimeoutMs: 400 });
    });
    after(() => server.close());

    test('§2 request errors, each over HTTP 200 with ok:false', async () => {
      const cases: Array<[string, Parameters<typeof rawCall>[1], string, string?]> = [
        ['missing_post_type', { body: 'a=1' }, 'auth.test'],
        ['invalid_post_type', { headers: { 'content-type': 'application/xml' }, body: '<a/>' }, 'auth.test'],
        ['invalid_charset', { headers: { 'content-type': 'application/json; charset=shift_jis' }, body: '{}' }, 'auth.test'],
        ['invalid_form_data', { headers: FORM, body: 'a=%zz' }, 'auth.test'],
        ['invalid_json', { headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"a":' }, 'auth.test'],
        ['json_not_object', { headers: { 'content-type': 'application/json; charset=utf-8' }, body: '[]' }, 'auth.test'],
        ['invalid_arg_name', { headers: FORM, body: 'not-a-name=1' }, 'auth.test'],
        ['invalid_array_arg', { headers: FORM, body: 'a[]=1' }, 'auth.test'],
        ['invalid_array_arg', { headers: FORM, body: 'a=1&a=2' }, 'auth.test'],
        ['unknown_method', { headers: FORM, body: '' }, 'no.such.method'],
        ['unknown_method', { method: 'GET' }, ''],
      ];
      for (const [error, init, method] of cases) {
        const r = await call(method!, init);
        assert.equal(r.status, 200, error);
        assert.deepEqual(r.json, { ok: false, error }, error);
        assert.match(String(r.headers['content-type']), /^application\/json/);
      }
    });

    test('request_timeout: a body that stops arriving, and one cut short', async () => {
      const head = (length: number) => `POST /api/auth.test HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${length}\r\n\r\n`;
      const stalled = await rawSocket(server.url, head(100) + 'a=1', { waitMs: 5_000 });
      assert.match(stalled, /^HTTP\/1\.1 200/);
      assert.match(stalled, /\{"ok":false,"error":"request_timeout"\}/);
      const cut = await rawSocket(server.url, head(100) + 'a=1', { halfClose: true, waitMs: 3_000 });
      // A client that hangs up gets whatever the socket still carries: never a 500, never a hang.
      assert.ok(cut === '' || /"error":"request_timeout"/.test(cut), cut);
    });

    test('warnings: missing_charset on JSON, superfluous_charset on forms', async () => {
      const json = await call('auth.test', { headers: bearer(tokens.legacy, { 'content-type': 'application/json' }), body: '{}' });
      assert.equal(json.json['ok'], true);
      assert.equal(json.json['warning'], 'missing_charset');
      assert.deepEqual(json.json['response_metadata'], { warnings: ['missing_charset'] });
      const form = await call('auth.test', { headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: `token=${tokens.legacy}` });
      assert.equal(form.json['warning'], 'superfluous_charset');
    });

    test('GET with a query string, multipart, and JSON with the Bearer header all work', async () => {
      assert.equal((await call('auth.test', { method: 'GET', headers: bearer(tokens.user) })).json['user_id'], 'U0ALICE001');
      const boundary = '----tessera';
      const multipart = `--${boundary}\r\nContent-Disposition: form-data; name="token"\r\n\r\n${tokens.user}\r\n--${boundary}--\r\n`;
      const r = await call('auth.test', { headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body: multipart });
      assert.equal(r.json['user_id'], 'U0ALICE001');
      const j = await call('team.info', { headers: bearer(tokens.user, { 'content-type': 'application/json; charset=utf-8' }), body: '{"team":null}' });
      assert.equal((j.json['team'] as { id: string }).id, 'T0ACME0001');
    });

    test('§3 step 1: not_authed and invalid_auth', async () => {
      assert.equal((await call('auth.test', { headers: FORM, body: '' })).json['error'], 'not_authed');
      assert.equal((await call('auth.test', { headers: { authorization: `bearer ${tokens.user}` } })).json['error'], 'not_authed', 'Bearer is case-sensitive');
      assert.equal((await call('auth.test', { headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ token: tokens.user }) })).json['error'], 'not_authed', 'never from a JSON body');
      const forged = tokens.user.slice(0, -1) + (tokens.user.endsWith('A') ? 'B' : 'A');
      assert.equal((await call('auth.test', { headers: bearer(forged) })).json['error'], 'invalid_auth');
      assert.equal((await call('auth.test', { headers: bearer('xoxb-not-a-token') })).json['error'], 'invalid_auth');
      const mismatch = await call('auth.test', { headers: bearer(tokens.user, FORM), body: `token=${tokens.legacy}` });
      assert.equal(mismatch.json['error'], 'invalid_auth');
    });

    test('§3: a well-formed token that was never issued is invalid_auth', async () => {
      const { mint } = await import('../helpers/fixture.ts');
      assert.equal((await call('auth.test', { headers: bearer(mint.bot()) })).json['error'], 'invalid_auth');
    });

    test('tokens in the query string: refused for apps created after 2021-02-24, accepted for older ones', async () => {
      assert.equal((await call(`auth.test?token=${tokens.user}`, { method: 'GET' })).json['error'], 'invalid_auth');
      assert.equal((await call(`auth.test?token=${tokens.config}`, { method: 'GET' })).json['error'], 'invalid_auth');
      assert.equal((await call(`auth.test?token=${tokens.classicUser}`, { method: 'GET' })).json['ok'], true);
      assert.equal((await call(`auth.test?token=${tokens.workspace}`, { method: 'GET' })).json['ok'], true);
      // In the body the same token is fine.
      assert.equal((await call('auth.test', { headers: FORM, body: `token=${tokens.user}` })).json['ok'], true);
    });

    test('§3 step 2: the IP allowlist', async () => {
      assert.equal((await call('auth.test', { headers: bearer(tokens.fencedBot) })).json['error'], 'invalid_auth');
    });

    test('§3 steps 5 and 6: not_allowed_token_type and missing_scope, with the scope headers', async () => {
      const appToken = await call('team.info', { headers: bearer(tokens.app) });
      assert.equal(appToken.json['error'], 'not_allowed_token_type');
      const rotating = await call('team.info', { headers: bearer(tokens.rotatingBot) });
      assert.deepEqual(rotating.json, { ok: false, error: 'missing_scope', needed: 'team:read', provided: 'chat:write' });
      assert.equal(rotating.headers['x-oauth-scopes'], 'chat:write');
      assert.equal(rotating.headers['x-accepted-oauth-scopes'], 'team:read');
      const ok = await call('team.info', { headers: bearer(tokens.bot) });
      assert.equal(ok.json['ok'], true);
      assert.equal(ok.headers['x-oauth-scopes'], 'chat:write,channels:read,team:read');
      assert.equal(ok.headers['x-accepted-oauth-scopes'], 'team:read');
      const classic = await call('team.info', { headers: bearer(tokens.classicBot) });
      assert.equal(classic.json['ok'], true, 'the umbrella bot scope covers bot methods');
      const legacy = await call('team.info', { headers: bearer(tokens.legacy) });
      assert.equal(legacy.json['ok'], true, 'legacy tokens hold every scope');
      const none = await call('auth.test', { headers: bearer(tokens.bot) });
      assert.equal(none.headers['x-accepted-oauth-scopes'], '');
      const unauthenticated = await call('auth.test', { headers: FORM, body: '' });
      assert.equal(unauthenticated.headers['x-oauth-scopes'], undefined);
    });

    test('§3 step 3: token_expired when the clock passes the expiry', async () => {
      const clock = server.tessera.clock;
      const before = clock.offsetMs;
      try {
        clock.advance(3_601);
        assert.equal((await call('auth.test', { headers: bearer(tokens.workspace) })).json['error'], 'token_expired');
        assert.equal((await call('auth.test', { headers: bearer(tokens.config) })).json['ok'], true);
        clock.advance(43_200);
        assert.equal((await call('auth.test', { headers: bearer(tokens.config) })).json['error'], 'token_expired');
        assert.equal((await call('auth.test', { headers: bearer(tokens.bot) })).json['ok'], true, 'bot tokens never expire');
      } finally {
        clock.setOffset(before);
      }
    });

    test('§3 step 4: account_inactive for a deactivated member and for a deleted workspace', async () => {
      assert.equal((await call('auth.test', { headers: bearer(tokens.deactivatedUser) })).json['error'], 'account_inactive');
      await server.tessera.store.workspaces.deleteTeam('T0BETA0001', Date.now());
      assert.equal((await call('auth.test', { headers: bearer(tokens.betaBot) })).json['error'], 'account_inactive');
    });

    test('§3 step 3: token_revoked', async () => {
      await call('auth.revoke', { headers: bearer(tokens.app) });
      assert.equal((await call('auth.test', { headers: bearer(tokens.app) })).json['error'], 'token_revoked');
    });

    test('answers are never cached and never sniffed', async () => {
      const r = await call('auth.test', { headers: bearer(tokens.user) });
      assert.equal(r.headers['cache-control'], 'no-store');
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
    });
  });
}

describe('§3 step 7: rate limits', () => {
  let server: TestServer;
  let tokens: StandardTokens;
  before(async () => {
    const made = standardFixture();
    tokens = made.tokens;
    server = await startServer('sqlite', made.fixture, { rateLimits: { enabled: true, perMinute: { '1': 1, '2': 1, '3': 2, '4': 1, special: 3 }, redisUrl: undefined } });
  });
  after(() => server.close());

  test('past the budget: HTTP 429, an integer Retry-After, ratelimited', async () => {
    const call = (token: string) => rawCall(`${server.apiUrl}auth.test`, { headers: { authorization: `Bearer ${token}` } });
    for (let i = 0; i < 3; i++) assert.equal((await call(tokens.user)).json['ok'], true);
    const limited = await call(tokens.user);
    assert.equal(limited.status, 429);
    assert.deepEqual(limited.json, { ok: false, error: 'ratelimited' });
    assert.match(String(limited.headers['retry-after']), /^[1-9][0-9]*$/);
    assert.ok(Number(limited.headers['retry-after']) <= 60);
    // Budgets are per method, per workspace, per app: another app's token still has its own.
    assert.equal((await call(tokens.classicUser)).json['ok'], true);
  });

  test('WebClient sees ratelimited as a rate-limit error it can retry', async () => {
    const { WebClient, ErrorCode } = await import('@slack/web-api');
    const client = new WebClient(tokens.legacy, { slackApiUrl: server.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
    for (let i = 0; i < 3; i++) await client.auth.test();
    await assert.rejects(client.auth.test(), (e: { code?: string; retryAfter?: number }) => e.code === ErrorCode.RateLimitedError && typeof e.retryAfter === 'number');
  });
});
