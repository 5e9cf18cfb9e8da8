import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WebClient, type WebAPICallResult } from '@slack/web-api';
import { clientOf, installFixture, standardFixture, type StandardTokens } from '../helpers/fixture.ts';
import { consent, FlowClient } from '../helpers/flow.ts';
import { ENGINES, startServer, type TestServer } from '../helpers/server.ts';

const failure = async (call: Promise<WebAPICallResult>): Promise<string> => {
  try {
    await call;
  } catch (error) {
    return (error as { data?: { error?: string } }).data?.error ?? String(error);
  }
  assert.fail('the call succeeded');
};

/** §3 step 2 behind a proxy: the allowlist judges the client's address, and only a trusted proxy may name it. */
describe('IP allowlists behind a proxy', () => {
  const servers: TestServer[] = [];
  let tokens: StandardTokens;
  before(async () => {
    const made = standardFixture();
    tokens = made.tokens;
    servers.push(await startServer('sqlite', made.fixture, { trustProxy: 1 }));
    servers.push(await startServer('sqlite', made.fixture, { trustProxy: false }));
  });
  after(() => Promise.all(servers.map((s) => s.close())));
  const via = (server: TestServer, forwardedFor: string) =>
    new WebClient(tokens.fencedBot, { slackApiUrl: server.apiUrl, retryConfig: { retries: 0 }, headers: { 'X-Forwarded-For': forwardedFor } });

  test('with one trusted proxy, the address it forwarded decides', async () => {
    const [trusting] = servers;
    assert.equal((await via(trusting!, '10.20.30.40').auth.test()).ok, true, 'inside 10.0.0.0/8');
    assert.equal((await via(trusting!, '192.168.1.7').auth.test()).ok, true, 'a bare IP means /32');
    assert.equal(await failure(via(trusting!, '192.168.1.8').auth.test()), 'invalid_auth');
    // A client cannot smuggle an allowed address in front: only the entry our one proxy added counts.
    assert.equal(await failure(via(trusting!, '10.0.0.1, 8.8.8.8').auth.test()), 'invalid_auth');
    assert.equal((await via(trusting!, '8.8.8.8, 10.0.0.1').auth.test()).ok, true);
  });

  test('without trust_proxy, X-Forwarded-For is ignored', async () => {
    const [, plain] = servers;
    assert.equal(await failure(via(plain!, '10.20.30.40').auth.test()), 'invalid_auth');
    const open = new WebClient(tokens.bot, { slackApiUrl: plain!.apiUrl, retryConfig: { retries: 0 }, headers: { 'X-Forwarded-For': '10.0.0.1' } });
    assert.equal((await open.auth.test()).ok, true, 'apps without an allowlist are not affected');
  });
});

/** §3 step 4: a deactivated member's own tokens stop; the bots of apps they installed go on working. */
for (const engine of ENGINES) {
  describe(`deactivated members (${engine})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(engine, installFixture());
    });
    after(() => server.close());

    test('their user tokens answer account_inactive; the bot of the app they installed keeps working', async () => {
      const { clientId, clientSecret } = clientOf('A0INST0001');
      const { location } = await consent(new FlowClient(server.url), `/oauth/v2/authorize?client_id=${clientId}&scope=chat:write,team:read&user_scope=team:read`, { email: 'bob@acme.test', password: 'bob-password', team: 'T0ACME0001' });
      const api = new WebClient(undefined, { slackApiUrl: server.apiUrl, retryConfig: { retries: 0 } });
      const installed = await api.oauth.v2.access({ client_id: clientId, client_secret: clientSecret, code: new URL(location).searchParams.get('code')! });
      const as = (token: string) => new WebClient(token, { slackApiUrl: server.apiUrl, retryConfig: { retries: 0 } });
      await server.tessera.store.workspaces.setRole('U0BOB00001', 'deactivated', server.tessera.clock.now());
      // The admin console will do this through one call that also clears caches; here the cache's freshness lapses.
      await new Promise((r) => setTimeout(r, 600));
      assert.equal(await failure(as(installed.authed_user!.access_token!).auth.test()), 'account_inactive');
      assert.equal(await failure(as(installed.authed_user!.access_token!).team.info()), 'account_inactive');
      assert.equal((await as(installed.access_token!).team.info()).ok, true, 'the bot works on');
      await server.tessera.store.workspaces.setRole('U0BOB00001', 'member', server.tessera.clock.now());
      await new Promise((r) => setTimeout(r, 600));
      assert.equal((await as(installed.authed_user!.access_token!).auth.test()).user_id, 'U0BOB00001', 'reactivation brings the token back');
    });
  });
}
