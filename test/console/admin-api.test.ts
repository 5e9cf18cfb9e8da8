import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WebClient, type WebAPICallResult } from '@slack/web-api';
import { ADMIN_TOKEN } from '../helpers/clock.ts';
import { installFixture, mint } from '../helpers/fixture.ts';
import { consent, FlowClient } from '../helpers/flow.ts';
import { ENGINES, rawCall, startServer, type TestServer } from '../helpers/server.ts';

/** The console's operations through the JSON admin API, each checked by what an app or a member then sees. */
for (const engine of ENGINES) {
  describe(`admin API operations (${engine})`, () => {
    let server: TestServer;
    const userToken = mint.user('T0ACME0001', 'U0BOB00001');
    before(async () => {
      const fixture = installFixture() as { tokens?: unknown[] };
      fixture.tokens = [{ kind: 'user', app_id: 'A0INST0001', user_id: 'U0BOB00001', token: userToken }];
      server = await startServer(engine, fixture, { adminToken: ADMIN_TOKEN });
    });
    after(() => server.close());
    const call = async (method: string, path: string, body?: unknown) => {
      const answer = await rawCall(`${server.url}/admin/api/${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: answer.status, ...answer.json } as Record<string, unknown> & { status: number };
    };
    const as = (token?: string) => new WebClient(token, { slackApiUrl: server.apiUrl, retryConfig: { retries: 0 } });
    const failure = async (p: Promise<WebAPICallResult>) => p.then(() => 'ok', (e: { data?: { error?: string } }) => e.data?.error ?? 'thrown');

    test('create an app, install it, list its tokens without secrets, revoke one, uninstall', async () => {
      const created = await call('POST', 'apps', { name: 'API App', team_id: 'T0ACME0001', redirect_urls: ['http://localhost:3000/slack/oauth_redirect'], bot_scopes: ['chat:write', 'team:read'], user_scopes: [] });
      assert.equal(created['ok'], true);
      assert.match(created['client_secret'] as string, /^[0-9a-f]{32}$/);
      const bad = await call('POST', 'apps', { name: 'Bad', team_id: 'T0ACME0001', redirect_urls: ['http://example.com/cb'], bot_scopes: ['no:such'] });
      assert.equal(bad.status, 400);
      assert.match(bad['detail'] as string, /redirect_urls\[0\]/);

      const { location } = await consent(new FlowClient(server.url), `/oauth/v2/authorize?client_id=${created['client_id']}&scope=chat:write,team:read`, { email: 'bob@acme.test', password: 'bob-password', team: 'T0ACME0001' });
      const installed = await as().oauth.v2.access({ client_id: created['client_id'] as string, client_secret: created['client_secret'] as string, code: new URL(location).searchParams.get('code')! });
      const detail = await call('GET', `apps/${created['app_id']}`);
      const installation = (detail['installations'] as Array<Record<string, unknown>>)[0]!;
      assert.ok(!JSON.stringify(detail).includes(created['client_secret'] as string));
      const tokens = (await call('GET', `installations/${installation['id']}/tokens`))['tokens'] as Array<Record<string, unknown>>;
      assert.equal(tokens.length, 1);
      assert.equal(tokens[0]!['kind'], 'bot');
      assert.equal(tokens[0]!['last_used_at'], null, 'not used yet');
      await as(installed.access_token!).auth.test();
      const used = ((await call('GET', `installations/${installation['id']}/tokens`))['tokens'] as Array<Record<string, unknown>>)[0]!;
      assert.ok(Math.abs((used['last_used_at'] as number) - server.tessera.clock.now()) < 5_000, 'last used is recorded');
      assert.ok(!JSON.stringify(tokens).includes(installed.access_token!), 'never the token itself');
      assert.equal((await call('POST', 'tokens/revoke', { id: tokens[0]!['id'] }))['revoked'] as number >= 1, true);
      assert.equal(await failure(as(installed.access_token!).auth.test()), 'token_revoked');
      assert.equal((await call('POST', 'tokens/revoke', { id: tokens[0]!['id'] })).status, 404, 'twice is not found');
      assert.equal((await call('POST', `installations/${installation['id']}/uninstall`))['ok'], true);
    });

    test('members: invite (password once), deactivate (their tokens stop), reactivate', async () => {
      const invited = await call('POST', 'workspaces/T0ACME0001/members', { name: 'erin', real_name: 'Erin Example', email: 'erin@acme.test', role: 'member' });
      assert.equal(invited['ok'], true);
      const signIn = await new FlowClient(server.url).signIn('erin@acme.test', invited['password'] as string);
      assert.equal(signIn.status, 303, 'the invited member can sign in with the password shown once');
      assert.equal((await as(userToken).auth.test()).ok, true);
      assert.equal((await call('POST', 'members/U0BOB00001/role', { role: 'deactivated' }))['ok'], true);
      assert.equal(await failure(as(userToken).auth.test()), 'account_inactive', 'at once: the change clears every cached check');
      await call('POST', 'members/U0BOB00001/role', { role: 'member' });
      assert.equal((await as(userToken).auth.test()).ok, true);
      assert.equal((await call('POST', 'members/U0BOB00001/role', { role: 'emperor' })).status, 400);
    });

    test('app settings: regenerate, app-level tokens, one-way rotation, IP allowlist checked like a fixture', async () => {
      const signing = await call('POST', 'apps/A0INST0001/regenerate', { secret: 'signing' });
      assert.match(signing['value'] as string, /^[0-9a-f]{32}$/);
      const appToken = await call('POST', 'apps/A0INST0001/app_tokens', { scopes: ['connections:write'] });
      assert.match((await as(appToken['token'] as string).apps.connections.open()).url!, /^ws:/);
      assert.equal((await call('POST', 'apps/A0INST0001/app_tokens', { scopes: ['chat:write'] })).status, 400);
      assert.equal((await call('POST', 'apps/A0INST0001/token_rotation'))['token_rotation'], true);
      assert.equal((await server.tessera.store.apps.byId('A0INST0001'))!.token_rotation, true);
      assert.equal((await call('POST', 'apps/A0INST0001/settings', { ip_allowlist: ['10.0.0.0/33'] })).status, 400);
      assert.equal((await call('POST', 'apps/A0INST0001/settings', { ip_allowlist: ['10.0.0.0/8'] }))['ok'], true);
      assert.equal(await failure(as(userToken).auth.test()), 'invalid_auth', 'the allowlist applies at once');
      await call('POST', 'apps/A0INST0001/settings', { ip_allowlist: [] });
      const unverified = await call('POST', 'apps/A0INST0001/request_url', { url: 'http://127.0.0.1:9/events' });
      assert.equal(unverified['error'], 'request_url_unverified');
    });

    test('config and legacy tokens for a member', async () => {
      const config = await call('POST', 'config_tokens', { team_id: 'T0ACME0001', user_id: 'U0ALICE001' });
      assert.equal((await as(config['token'] as string).auth.test()).user_id, 'U0ALICE001');
      const legacy = await call('POST', 'legacy_tokens', { team_id: 'T0ACME0001', user_id: 'U0ALICE001' });
      assert.equal((await as(legacy['token'] as string).team.info()).ok, true, 'a legacy token holds every scope');
      assert.equal((await call('POST', 'legacy_tokens', { team_id: 'T0ACME0001', user_id: 'U0DAVE0001' })).status, 404, 'not for a deactivated member');
      const openapi = await call('GET', 'openapi.json');
      assert.equal(openapi['openapi'], '3.1.0');
    });
  });
}
