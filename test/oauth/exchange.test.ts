import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { WebClient, type WebAPICallResult } from '@slack/web-api';
import { ENGINES, rawCall, startServer, type TestServer } from '../helpers/server.ts';
import { clientOf, installFixture, REDIRECT } from '../helpers/fixture.ts';
import { consent, FlowClient } from '../helpers/flow.ts';

const INSTALL = clientOf('A0INST0001');
const CLASSIC = clientOf('A0CLAS0001');

/** Code exchange, scopes, webhooks and uninstall (slack-compat.md §5, §6, §9, §11) through WebClient. */
for (const engine of ENGINES) {
  describe(`code exchange (${engine})`, () => {
    let server: TestServer;
    let api: WebClient;
    const as = (token: string) => new WebClient(token, { slackApiUrl: server.apiUrl, retryConfig: { retries: 0 } });
    const failure = async (call: Promise<WebAPICallResult>): Promise<string> => {
      try {
        await call;
      } catch (error) {
        return (error as { data?: { error?: string } }).data?.error ?? String(error);
      }
      assert.fail('the call succeeded');
    };
    /** Runs the browser part of an install and returns the code. */
    const codeFor = async (params: Record<string, string>, flow: 'v1' | 'v2' = 'v2', who = { email: 'bob@acme.test', password: 'bob-password' }): Promise<string> => {
      const c = new FlowClient(server.url);
      const { location } = await consent(c, `/oauth/${flow === 'v2' ? 'v2/' : ''}authorize?${new URLSearchParams(params)}`, { ...who, team: 'T0ACME0001' });
      const code = new URL(location).searchParams.get('code');
      assert.ok(code, `no code in ${location}`);
      return code!;
    };

    before(async () => {
      server = await startServer(engine, installFixture());
      api = new WebClient(undefined, { slackApiUrl: server.apiUrl, retryConfig: { retries: 0 } });
    });
    after(() => server.close());

    test('oauth.v2.access answers every field of §6, and the tokens work', async () => {
      const code = await codeFor({ client_id: INSTALL.clientId, scope: 'chat:write,team:read,incoming-webhook', user_scope: 'search:read' });
      const r = await api.oauth.v2.access({ client_id: INSTALL.clientId, client_secret: INSTALL.clientSecret, code });
      assert.equal(r.ok, true);
      assert.equal(r.app_id, 'A0INST0001');
      assert.equal(r.token_type, 'bot');
      assert.equal(r.scope, 'chat:write,team:read,incoming-webhook');
      assert.match(r.access_token!, /^xoxb-\d+-\d+-[0-9A-Za-z]{32}$/);
      assert.match(r.bot_user_id!, /^U/);
      assert.deepEqual(r.team, { id: 'T0ACME0001', name: 'Acme' });
      assert.equal(r.enterprise, null);
      assert.equal(r.is_enterprise_install, false);
      assert.equal(r.authed_user!.id, 'U0BOB00001');
      assert.equal(r.authed_user!.scope, 'search:read');
      assert.equal(r.authed_user!.token_type, 'user');
      assert.match(r.authed_user!.access_token!, /^xoxp-\d+-\d+-\d+-[0-9A-Za-z]{32}$/);
      assert.equal(r.expires_in, undefined);
      assert.equal(r.refresh_token, undefined);
      const hook = r.incoming_webhook!;
      assert.equal(hook.channel, '#general');
      assert.equal(hook.channel_id, 'C0GENERAL1');
      assert.match(hook.url!, new RegExp(`^${server.url}/hooks/services/T0ACME0001/B[A-Z0-9]+/[0-9A-Za-z]{24}$`));
      const bot = await as(r.access_token!).auth.test();
      assert.equal(bot.user_id, r.bot_user_id);
      assert.equal(bot.team_id, 'T0ACME0001');
      const user = await as(r.authed_user!.access_token!).auth.test();
      assert.equal(user.user_id, 'U0BOB00001');
      const info = await as(r.access_token!).team.info();
      assert.equal(info.team!.id, 'T0ACME0001');
    });

    test('client credentials: as arguments or HTTP Basic; unknown client and wrong secret refused', async () => {
      const code = await codeFor({ client_id: INSTALL.clientId, scope: 'chat:write' });
      assert.equal(await failure(api.oauth.v2.access({ client_id: '1.2', client_secret: INSTALL.clientSecret, code })), 'invalid_client_id');
      assert.equal(await failure(api.oauth.v2.access({ client_id: INSTALL.clientId, client_secret: 'wrong', code })), 'bad_client_secret');
      assert.equal(await failure(api.oauth.v2.access({ client_id: INSTALL.clientId, code } as never)), 'bad_client_secret');
      const basic = Buffer.from(`${INSTALL.clientId}:${INSTALL.clientSecret}`).toString('base64');
      const r = await rawCall(`${server.apiUrl}oauth.v2.access`, { headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' }, body: `code=${code}` });
      assert.equal(r.json['ok'], true, JSON.stringify(r.json));
    });

    test('a replayed code answers code_already_used and revokes what it issued', async () => {
      const code = await codeFor({ client_id: INSTALL.clientId, scope: 'chat:write', user_scope: 'search:read' });
      const first = await api.oauth.v2.access({ client_id: INSTALL.clientId, client_secret: INSTALL.clientSecret, code });
      assert.equal((await as(first.access_token!).auth.test()).ok, true);
      assert.equal(await failure(api.oauth.v2.access({ client_id: INSTALL.clientId, client_secret: INSTALL.clientSecret, code })), 'code_already_used');
      assert.equal(await failure(as(first.access_token!).auth.test()), 'token_revoked');
      assert.equal(await failure(as(first.authed_user!.access_token!).auth.test()), 'token_revoked');
    });

    test('codes expire after 10 minutes; unknown codes and other apps’ codes are invalid_code', async () => {
      const code = await codeFor({ client_id: INSTALL.clientId, scope: 'chat:write' });
      const clock = server.tessera.clock;
      const offset = clock.offsetMs;
      clock.advance(601);
      try {
        assert.equal(await failure(api.oauth.v2.access({ client_id: INSTALL.clientId, client_secret: INSTALL.clientSecret, code })), 'invalid_code');
      } finally {
        clock.setOffset(offset);
      }
      assert.equal(await failure(api.oauth.v2.access({ client_id: INSTALL.clientId, client_secret: INSTALL.clientSecret, code: 'nope' })), 'invalid_code');
      const other = clientOf('A0ROTA0001');
      const fresh = await codeFor({ client_id: INSTALL.clientId, scope: 'chat:write' });
      assert.equal(await failure(api.oauth.v2.access({ client_id: other.clientId, client_secret: other.clientSecret, code: fresh })), 'invalid_code');
    });

    test('redirect_uri binding: sent at authorize, it must be sent again, the same', async () => {
      const redirect = `${REDIRECT}/deeper`;
      const code = await codeFor({ client_id: INSTALL.clientId, scope: 'chat:write', redirect_uri: redirect });
      assert.equal(await failure(api.oauth.v2.access({ client_id: INSTALL.clientId, client_secret: INSTALL.clientSecret, code })), 'bad_redirect_uri');
      assert.equal(await failure(api.oauth.v2.access({ client_id: INSTALL.clientId, client_secret: INSTALL.clientSecret, code, redirect_uri: REDIRECT })), 'bad_redirect_uri');
      const r = await api.oauth.v2.access({ client_id: INSTALL.clientId, client_secret: INSTALL.clientSecret, code, redirect_uri: redirect });
      assert.equal(r.ok, true);
    });

    test('a v1 code at oauth.v2.access (and the reverse) is oauth_authorization_url_mismatch', async () => {
      const v1 = await codeFor({ client_id: INSTALL.clientId, scope: 'chat:write' }, 'v1');
      assert.equal(await failure(api.oauth.v2.access({ client_id: INSTALL.clientId, client_secret: INSTALL.clientSecret, code: v1 })), 'oauth_authorization_url_mismatch');
      const v2 = await codeFor({ client_id: INSTALL.clientId, scope: 'chat:write' });
      assert.equal(await failure(api.oauth.access({ client_id: INSTALL.clientId, client_secret: INSTALL.clientSecret, code: v2 })), 'oauth_authorization_url_mismatch');
      assert.equal(await failure(api.oauth.v2.access({ client_id: INSTALL.clientId, client_secret: INSTALL.clientSecret, code: v2, grant_type: 'password' } as never)), 'invalid_grant_type');
    });

    test('PKCE: the right verifier works; a wrong or missing one, or one for a code without a challenge, is refused', async () => {
      const verifier = randomBytes(32).toString('base64url');
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const params = { client_id: INSTALL.clientId, scope: 'chat:write', code_challenge: challenge, code_challenge_method: 'S256' };
      const code = await codeFor(params);
      const creds = { client_id: INSTALL.clientId, client_secret: INSTALL.clientSecret, code };
      assert.equal(await failure(api.oauth.v2.access({ ...creds, code_verifier: randomBytes(32).toString('base64url') } as never)), 'invalid_code_verifier');
      assert.equal(await failure(api.oauth.v2.access(creds)), 'invalid_code_verifier', 'the downgrade: no verifier for a code with a challenge');
      assert.equal((await api.oauth.v2.access({ ...creds, code_verifier: verifier } as never)).ok, true);
      const plain = await codeFor({ client_id: INSTALL.clientId, scope: 'chat:write' });
      assert.equal(await failure(api.oauth.v2.access({ client_id: INSTALL.clientId, client_secret: INSTALL.clientSecret, code: plain, code_verifier: verifier } as never)), 'invalid_code_verifier');
    });

    test('scopes accumulate across installs, for the bot and for each member', async () => {
      const first = await api.oauth.v2.access({ client_id: INSTALL.clientId, client_secret: INSTALL.clientSecret, code: await codeFor({ client_id: INSTALL.clientId, scope: 'users:read', user_scope: 'team:read' }) });
      const second = await api.oauth.v2.access({ client_id: INSTALL.clientId, client_secret: INSTALL.clientSecret, code: await codeFor({ client_id: INSTALL.clientId, scope: 'channels:read', user_scope: 'search:read' }) });
      for (const scope of ['users:read', 'channels:read', 'chat:write']) assert.ok(second.scope!.split(',').includes(scope), `${scope} in ${second.scope}`);
      assert.deepEqual(second.authed_user!.scope!.split(',').sort(), ['search:read', 'team:read']);
      const headers = await rawCall(`${server.apiUrl}auth.test`, { headers: { authorization: `Bearer ${first.access_token}` } });
      assert.ok(String(headers.headers['x-oauth-scopes']).split(',').includes('channels:read'), 'the earlier token gains the scopes too');
      // A later install asking for fewer scopes never takes any away.
      const third = await api.oauth.v2.access({ client_id: INSTALL.clientId, client_secret: INSTALL.clientSecret, code: await codeFor({ client_id: INSTALL.clientId, scope: 'chat:write' }) });
      assert.ok(third.scope!.split(',').includes('users:read'));
    });

    test('oauth.access (classic): identify always, the bot node, incoming_webhook', async () => {
      const code = await codeFor({ client_id: CLASSIC.clientId, scope: 'bot,incoming-webhook,channels:read' }, 'v1');
      const r = (await api.oauth.access({ client_id: CLASSIC.clientId, client_secret: CLASSIC.clientSecret, code })) as WebAPICallResult & Record<string, any>;
      assert.equal(r.ok, true);
      assert.match(r.access_token, /^xoxp-/);
      assert.deepEqual(r.scope.split(',').sort(), ['bot', 'channels:read', 'identify', 'incoming-webhook']);
      assert.equal(r.user_id, 'U0BOB00001');
      assert.equal(r.team_id, 'T0ACME0001');
      assert.equal(r.team_name, 'Acme');
      assert.equal(r.enterprise_id, null);
      assert.match(r.bot.bot_user_id, /^U/);
      assert.match(r.bot.bot_access_token, /^xoxb-/);
      assert.equal(r.incoming_webhook.channel, '#general');
      const bot = await as(r.bot.bot_access_token).auth.test();
      assert.equal(bot.user_id, r.bot.bot_user_id);
      const headers = await rawCall(`${server.apiUrl}auth.test`, { headers: { authorization: `Bearer ${r.bot.bot_access_token}` } });
      assert.equal(headers.headers['x-oauth-scopes'], 'bot');
      const again = (await api.oauth.access({ client_id: CLASSIC.clientId, client_secret: CLASSIC.clientSecret, code: await codeFor({ client_id: CLASSIC.clientId, scope: 'chat:write' }, 'v1') })) as Record<string, any>;
      assert.deepEqual(again.scope.split(',').sort(), ['bot', 'channels:read', 'chat:write', 'identify', 'incoming-webhook'], 'classic scopes accumulate too');
      assert.equal(again.bot, undefined);
    });

    test('incoming webhooks post to the chosen channel; bad requests get Slack’s plain-text errors', async () => {
      const code = await codeFor({ client_id: INSTALL.clientId, scope: 'incoming-webhook' });
      const r = await api.oauth.v2.access({ client_id: INSTALL.clientId, client_secret: INSTALL.clientSecret, code });
      const url = r.incoming_webhook!.url!;
      const post = (body: string, type = 'application/json') => fetch(url.replace(server.url, server.url), { method: 'POST', headers: { 'content-type': type }, body, signal: AbortSignal.timeout(5_000) });
      const ok = await post(JSON.stringify({ text: 'Hello from a webhook' }));
      assert.equal(ok.status, 200);
      assert.equal(await ok.text(), 'ok');
      const history = await server.tessera.store.messages.history('C0GENERAL1', 5);
      assert.equal(history[0]!.text, 'Hello from a webhook');
      assert.equal(history[0]!.user_id, r.bot_user_id);
      const form = await post(`payload=${encodeURIComponent(JSON.stringify({ text: 'as a form' }))}`, 'application/x-www-form-urlencoded');
      assert.equal(form.status, 200);
      const bad = await post('{not json');
      assert.deepEqual([bad.status, await bad.text()], [400, 'invalid_payload']);
      const empty = await post(JSON.stringify({ text: '' }));
      assert.deepEqual([empty.status, await empty.text()], [400, 'no_text']);
      const wrongSecret = await fetch(url.slice(0, -4) + 'AAAA', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"x"}' });
      assert.deepEqual([wrongSecret.status, await wrongSecret.text()], [404, 'no_service']);
      // Revoking the bot token deactivates the bot and removes its webhooks.
      await as(r.access_token!).auth.revoke();
      const gone = await post(JSON.stringify({ text: 'still there?' }));
      assert.deepEqual([gone.status, await gone.text()], [404, 'no_service']);
    });

    test('apps.uninstall: client checks, then every token of the installation ends', async () => {
      const r = await api.oauth.v2.access({ client_id: INSTALL.clientId, client_secret: INSTALL.clientSecret, code: await codeFor({ client_id: INSTALL.clientId, scope: 'chat:write', user_scope: 'search:read' }) });
      const bot = as(r.access_token!);
      assert.equal(await failure(bot.apps.uninstall({ client_id: '1.2', client_secret: INSTALL.clientSecret })), 'invalid_client_id');
      assert.equal(await failure(bot.apps.uninstall({ client_id: INSTALL.clientId, client_secret: 'nope' })), 'bad_client_secret');
      const other = clientOf('A0ROTA0001');
      assert.equal(await failure(bot.apps.uninstall({ client_id: other.clientId, client_secret: other.clientSecret })), 'client_id_token_mismatch');
      const done = await bot.apps.uninstall({ client_id: INSTALL.clientId, client_secret: INSTALL.clientSecret });
      assert.deepEqual(done, { ok: true, response_metadata: done.response_metadata });
      assert.equal(await failure(bot.auth.test()), 'token_revoked');
      assert.equal(await failure(as(r.authed_user!.access_token!).auth.test()), 'token_revoked');
      // Installing again makes a new installation with a new bot.
      const again = await api.oauth.v2.access({ client_id: INSTALL.clientId, client_secret: INSTALL.clientSecret, code: await codeFor({ client_id: INSTALL.clientId, scope: 'chat:write' }) });
      assert.equal((await as(again.access_token!).auth.test()).ok, true);
      assert.notEqual(again.bot_user_id, r.bot_user_id);
    });
  });
}
