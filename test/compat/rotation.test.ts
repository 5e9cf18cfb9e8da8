import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { InstallProvider, type Installation } from '@slack/oauth';
import { LogLevel, WebClient, type WebAPICallResult } from '@slack/web-api';
import { ADMIN_TOKEN, moveClock, resetClock, withSdkTimeShifted } from '../helpers/clock.ts';
import { clientOf, installFixture, mint } from '../helpers/fixture.ts';
import { consent, FlowClient } from '../helpers/flow.ts';
import { ENGINES, startServer, type TestServer } from '../helpers/server.ts';

const ROTATING = clientOf('A0ROTA0001');
const PLAIN = clientOf('A0INST0001');
const CALLBACK = 'http://localhost:3000/slack/oauth_redirect';

/** Tokens of every rotating kind, loaded with the install fixture. */
function rotationFixture() {
  const t = {
    bot: mint.rotatingBot(),
    botRefresh: mint.refresh(),
    user: mint.rotatingUser(),
    userRefresh: mint.refresh(),
    preRotationBot: mint.bot(),
    preRotationUser: mint.user('T0BETA0001', 'U0ALICEB01'),
    plainBot: mint.bot(),
    config: mint.rotatingUser(),
    configRefresh: mint.refresh(),
    workspace: mint.workspace(),
    workspaceRefresh: mint.workspaceRefresh(),
  };
  const fixture = installFixture([CALLBACK]) as { apps: Array<Record<string, unknown>>; tokens?: unknown[] };
  fixture.apps.push({
    id: 'A0WORK0001',
    name: 'Workspace App',
    team_id: 'T0ACME0001',
    client_id: '1.2',
    client_secret: 'workspace-app-secret',
    signing_secret: 'workspace-app-signing',
    workspace_app: true,
    user_scopes: ['channels:read'],
    redirect_urls: [CALLBACK],
    created: '2018-06-01',
  });
  fixture.apps.push({
    id: 'A0QUIK0001',
    name: 'Quick App',
    team_id: 'T0ACME0001',
    client_id: '3.4',
    client_secret: 'quick-app-secret',
    signing_secret: 'quick-app-signing',
    token_rotation: true,
    token_lifetime_seconds: 120,
    bot_scopes: ['chat:write'],
    redirect_urls: [CALLBACK],
  });
  fixture.tokens = [
    { kind: 'bot', app_id: 'A0ROTA0001', token: t.bot, refresh_token: t.botRefresh },
    { kind: 'user', app_id: 'A0ROTA0001', user_id: 'U0ALICE001', token: t.user, refresh_token: t.userRefresh },
    { kind: 'user', app_id: 'A0ROTA0001', team_id: 'T0BETA0001', user_id: 'U0ALICEB01', token: t.preRotationUser },
    { kind: 'bot', app_id: 'A0ROTA0001', team_id: 'T0BETA0001', token: t.preRotationBot },
    { kind: 'bot', app_id: 'A0INST0001', token: t.plainBot },
    { kind: 'config', team_id: 'T0ACME0001', user_id: 'U0ALICE001', token: t.config, refresh_token: t.configRefresh },
    { kind: 'workspace', app_id: 'A0WORK0001', token: t.workspace, refresh_token: t.workspaceRefresh },
  ];
  return { fixture, t };
}

for (const engine of ENGINES) {
  describe(`rotation and expiry (${engine})`, () => {
    let server: TestServer;
    let t: ReturnType<typeof rotationFixture>['t'];
    const client = () => new WebClient(undefined, { slackApiUrl: server.apiUrl, retryConfig: { retries: 0 }, timeout: 10_000 });
    const as = (token: string) => new WebClient(token, { slackApiUrl: server.apiUrl, retryConfig: { retries: 0 }, timeout: 10_000 });
    const failure = async (call: Promise<WebAPICallResult>): Promise<string> => {
      try {
        await call;
      } catch (error) {
        return (error as { data?: { error?: string } }).data?.error ?? String(error);
      }
      assert.fail('the call succeeded');
    };
    const refresh = (refreshToken: string, credentials = ROTATING) =>
      client().oauth.v2.access({ client_id: credentials.clientId, client_secret: credentials.clientSecret, grant_type: 'refresh_token', refresh_token: refreshToken });

    before(async () => {
      const made = rotationFixture();
      t = made.t;
      server = await startServer(engine, made.fixture, { adminToken: ADMIN_TOKEN });
    });
    afterEach(() => resetClock(server));
    after(() => server.close());

    test("InstallProvider installs a rotating app, and authorize() refreshes both tokens when the clock nears expiry", async () => {
      const installations: Installation[] = [];
      const sdkErrors: string[] = [];
      const installer = new InstallProvider({
        clientId: ROTATING.clientId,
        clientSecret: ROTATING.clientSecret,
        stateVerification: false,
        authorizationUrl: `${server.url}/oauth/v2/authorize`,
        clientOptions: { slackApiUrl: server.apiUrl, retryConfig: { retries: 0 }, timeout: 10_000 },
        logger: { debug() {}, info() {}, warn() {}, error: (...m: unknown[]) => void sdkErrors.push(m.map(String).join(' ')), setLevel() {}, getLevel: () => LogLevel.ERROR, setName() {} },
        installationStore: {
          // A copy: the SDK updates the refreshed installation in place.
          storeInstallation: async (i) => void installations.push(structuredClone(i) as Installation),
          fetchInstallation: async () => structuredClone(installations.at(-1)) as Installation<"v2", false>,
          deleteInstallation: async () => {},
        },
      });
      const url = new URL(await installer.generateInstallUrl({ scopes: ['chat:write', 'team:read'], userScopes: ['search:read'] }, false));
      const { location } = await consent(new FlowClient(server.url), url.pathname + url.search, { email: 'bob@acme.test', password: 'bob-password', team: 'T0ACME0001' });
      const callback = new URL(location);
      assert.equal(callback.origin + callback.pathname, CALLBACK);
      let failed: unknown;
      await installer.handleCallback(
        { url: callback.pathname + callback.search, headers: {} } as never,
        { setHeader() {}, writeHead() {}, end() {} } as never,
        { success: () => {}, failure: (error) => void (failed = error) },
      );
      assert.equal(failed, undefined);
      const installed = installations[0]!;
      assert.match(installed.bot!.token, /^xoxe\.xoxb-1-/);
      assert.match(installed.bot!.refreshToken!, /^xoxe-1-/);
      assert.match(installed.user.token!, /^xoxe\.xoxp-1-/);
      assert.ok(Math.abs(installed.bot!.expiresAt! - (Math.floor(Date.now() / 1000) + 43_200)) <= 5, 'expires_in is 12 hours');
      const before = await as(installed.bot!.token).auth.test();
      assert.ok(Math.abs((before.expires_in as number) - 43_200) <= 5);

      await moveClock(server, 11 * 3600);
      const authorized = await withSdkTimeShifted(11 * 3600, () => installer.authorize({ teamId: 'T0ACME0001', enterpriseId: undefined, isEnterpriseInstall: false }));
      assert.deepEqual(sdkErrors, []);
      assert.notEqual(authorized.botToken, installed.bot!.token, 'the SDK refreshed the bot token');
      assert.notEqual(authorized.userToken, installed.user.token, 'the SDK refreshed the user token');
      assert.match(authorized.botToken!, /^xoxe\.xoxb-1-/);
      assert.match(authorized.userToken!, /^xoxe\.xoxp-1-/);
      assert.equal(installations.length, 2, 'the refreshed installation was stored');
      const bot = await as(authorized.botToken!).auth.test();
      assert.equal(bot.bot_id, installed.bot!.id);
      assert.ok(Math.abs((bot.expires_in as number) - 43_200) <= 5);
      assert.equal((await as(authorized.userToken!).auth.test()).user_id, 'U0BOB00001');
      // The old token lives until it expires, then answers token_expired.
      assert.equal((await as(installed.bot!.token).auth.test()).ok, true);
      await moveClock(server, 1.5 * 3600);
      assert.equal(await failure(as(installed.bot!.token).auth.test()), 'token_expired');
      assert.equal(await failure(as(installed.user.token!).auth.test()), 'token_expired');
      assert.equal((await as(authorized.botToken!).auth.test()).ok, true);
    });

    test('a refresh answers every field of §8; the token before lives on, at most two live per authorization', async () => {
      const first = await refresh(t.userRefresh);
      assert.equal(first.token_type, 'user');
      assert.equal((first as unknown as Record<string, unknown>)['user_id'], 'U0ALICE001');
      assert.equal(first.app_id, 'A0ROTA0001');
      assert.equal(first.scope, 'search:read');
      assert.equal(first.expires_in, 43_200);
      assert.deepEqual(first.team, { id: 'T0ACME0001', name: 'Acme' });
      assert.equal(first.enterprise, null);
      assert.match(first.access_token!, /^xoxe\.xoxp-1-/);
      assert.match(first.refresh_token!, /^xoxe-1-/);
      assert.equal((await as(t.user).auth.test()).ok, true, 'the previous access token still works');
      const second = await refresh(first.refresh_token!);
      assert.equal(await failure(as(t.user).auth.test()), 'token_revoked', 'a third live token ends the oldest');
      assert.equal((await as(first.access_token!).auth.test()).ok, true);
      assert.equal((await as(second.access_token!).auth.test()).ok, true);

      const bot = await refresh(t.botRefresh);
      assert.equal(bot.token_type, 'bot');
      assert.match(bot.bot_user_id as string, /^U/);
      assert.equal((bot as unknown as Record<string, unknown>)['user_id'], undefined);
      assert.equal(bot.scope, 'chat:write,team:read');
    });

    test('within the grace window the same answer comes back (three times); after it, reuse revokes the family', async () => {
      const c = new FlowClient(server.url);
      const { location } = await consent(c, `/oauth/v2/authorize?client_id=${ROTATING.clientId}&scope=chat:write`, { email: 'alice@acme.test', password: 'alice-password', team: 'T0ACME0001' });
      const issued = await client().oauth.v2.access({ ...{ client_id: ROTATING.clientId, client_secret: ROTATING.clientSecret }, code: new URL(location).searchParams.get('code')! });
      const first = await refresh(issued.refresh_token!);
      for (let i = 0; i < 3; i++) {
        const again = await refresh(issued.refresh_token!);
        assert.equal(again.access_token, first.access_token, 'a retry within the window gets the same tokens');
        assert.equal(again.refresh_token, first.refresh_token);
      }
      assert.equal(await failure(refresh(issued.refresh_token!)), 'invalid_refresh_token', 'the fourth retry is refused');
      assert.equal((await as(first.access_token!).auth.test()).ok, true, 'but nothing was revoked');

      await moveClock(server, 61);
      assert.equal(await failure(refresh(issued.refresh_token!)), 'invalid_refresh_token');
      assert.equal(await failure(as(first.access_token!).auth.test()), 'token_revoked', 'reuse revoked the newest access token');
      assert.equal(await failure(as(issued.access_token!).auth.test()), 'token_revoked');
      assert.equal(await failure(refresh(first.refresh_token!)), 'invalid_refresh_token', 'and the newest refresh token');
    });

    test('50 concurrent refreshes with one refresh token mint exactly one pair', async () => {
      const c = new FlowClient(server.url);
      const { location } = await consent(c, `/oauth/v2/authorize?client_id=${ROTATING.clientId}&scope=chat:write`, { email: 'bob@acme.test', password: 'bob-password', team: 'T0ACME0001' });
      const issued = await client().oauth.v2.access({ client_id: ROTATING.clientId, client_secret: ROTATING.clientSecret, code: new URL(location).searchParams.get('code')! });
      const results = await Promise.allSettled(Array.from({ length: 50 }, () => refresh(issued.refresh_token!)));
      const answers = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<WebAPICallResult>).value);
      const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.data?.error);
      const minted = new Set(answers.map((a) => (a as unknown as Record<string, unknown>)['access_token']));
      assert.equal(minted.size, 1, 'one pair was minted');
      assert.ok(answers.length >= 1 && answers.length <= 4, `one answer plus at most three replays, got ${answers.length}`);
      assert.deepEqual(new Set(refused), new Set(answers.length === 50 ? [] : ['invalid_refresh_token']));
      const next = await refresh((answers[0] as unknown as Record<string, unknown>)['refresh_token'] as string);
      assert.equal((await as(next.access_token!).auth.test()).ok, true, 'the one family lives on');
    });

    test('refresh errors: a wrong app, a non-rotating app, garbage, a revoked refresh token', async () => {
      const c = new FlowClient(server.url);
      const { location } = await consent(c, `/oauth/v2/authorize?client_id=${ROTATING.clientId}&scope=chat:write`, { email: 'bob@acme.test', password: 'bob-password', team: 'T0ACME0001' });
      const issued = await client().oauth.v2.access({ client_id: ROTATING.clientId, client_secret: ROTATING.clientSecret, code: new URL(location).searchParams.get('code')! });
      assert.equal(await failure(refresh(issued.refresh_token!, PLAIN)), 'invalid_refresh_token');
      assert.equal(await failure(refresh('xoxe-1-garbage')), 'invalid_refresh_token');
      assert.equal(await failure(refresh(mint.refresh())), 'invalid_refresh_token');
      assert.equal(await failure(client().oauth.v2.access({ client_id: ROTATING.clientId, client_secret: ROTATING.clientSecret, grant_type: 'password' } as never)), 'invalid_grant_type');
      assert.equal(await failure(client().oauth.v2.access({ client_id: ROTATING.clientId, client_secret: 'wrong', grant_type: 'refresh_token', refresh_token: issued.refresh_token! })), 'bad_client_secret');
      await as(issued.refresh_token!).auth.revoke();
      assert.equal(await failure(refresh(issued.refresh_token!)), 'invalid_refresh_token');
    });

    test('per-app token lifetimes: token_lifetime_seconds sets expires_in, and the token expires on time', async () => {
      const quick = { clientId: '3.4', clientSecret: 'quick-app-secret' };
      const c = new FlowClient(server.url);
      const { location } = await consent(c, `/oauth/v2/authorize?client_id=${quick.clientId}&scope=chat:write`, { email: 'bob@acme.test', password: 'bob-password', team: 'T0ACME0001' });
      const issued = await client().oauth.v2.access({ client_id: quick.clientId, client_secret: quick.clientSecret, code: new URL(location).searchParams.get('code')! });
      assert.equal(issued.expires_in, 120);
      await moveClock(server, 121);
      assert.equal(await failure(as(issued.access_token!).auth.test()), 'token_expired');
      const next = await refresh(issued.refresh_token!, quick);
      assert.equal(next.expires_in, 120);
      assert.equal((await as(next.access_token!).auth.test()).ok, true, 'an expired token’s refresh token still refreshes');
    });

    test('oauth.v2.exchange turns a long-lived token into a rotating pair, once; the old token ends at the first refresh', async () => {
      const exchange = (token: string, credentials = ROTATING) => as(token).oauth.v2.exchange({ client_id: credentials.clientId, client_secret: credentials.clientSecret, token });
      const user = await exchange(t.preRotationUser);
      const authed = user.authed_user as Record<string, unknown>;
      assert.equal(authed['id'], 'U0ALICEB01');
      assert.match(authed['access_token'] as string, /^xoxe\.xoxp-1-/);
      assert.equal(authed['token_type'], 'user');
      assert.equal(authed['expires_in'], 43_200);
      assert.equal(await failure(exchange(t.preRotationUser)), 'token_already_exchanged');
      assert.equal((await as(t.preRotationUser).auth.test()).ok, true, 'the long-lived token still works');
      const refreshed = await refresh(authed['refresh_token'] as string);
      assert.equal((await as(refreshed.access_token!).auth.test()).ok, true);
      assert.equal(await failure(as(t.preRotationUser).auth.test()), 'token_expired', 'it ends at the first refresh');

      const bot = await exchange(t.preRotationBot);
      assert.equal(bot.token_type, 'bot');
      assert.match(bot.access_token!, /^xoxe\.xoxb-1-/);
      assert.deepEqual(bot.team, { id: 'T0BETA0001', name: 'Beta' });
      assert.equal((await as(bot.access_token!).auth.test()).team_id, 'T0BETA0001');

      assert.equal(await failure(exchange(t.plainBot, PLAIN)), 'token_rotation_not_enabled');
      assert.equal(await failure(exchange(t.plainBot)), 'authorization_not_found');
      assert.equal(await failure(exchange('xoxb-not-a-token')), 'invalid_token');
      assert.equal(await failure(exchange(t.bot)), 'invalid_token', 'a rotating token is not exchanged');
    });

    test('tooling.tokens.rotate through WebClient: a new config token for 12 hours; reuse after the window revokes', async () => {
      const rotated = await client().tooling.tokens.rotate({ refresh_token: t.configRefresh });
      assert.match(rotated.token!, /^xoxe\.xoxp-1-/);
      assert.match(rotated.refresh_token!, /^xoxe-1-/);
      assert.equal(rotated.team_id, 'T0ACME0001');
      assert.equal(rotated.user_id, 'U0ALICE001');
      assert.equal(rotated.exp! - rotated.iat!, 43_200);
      assert.ok(Math.abs(rotated.iat! - Math.floor(server.tessera.clock.now() / 1000)) <= 5);
      const who = await as(rotated.token!).auth.test();
      assert.equal(who.user_id, 'U0ALICE001');
      assert.equal(await failure(client().tooling.tokens.rotate({ refresh_token: 'xoxe-1-nope' })), 'invalid_refresh_token');
      assert.equal(await failure(client().tooling.tokens.rotate({ refresh_token: t.botRefresh })), 'invalid_refresh_token', 'an app’s refresh token is not a config refresh token');

      await moveClock(server, 43_201);
      assert.equal(await failure(as(t.config).auth.test()), 'token_expired');
      assert.equal(await failure(as(rotated.token!).auth.test()), 'token_expired');
      assert.equal(await failure(client().tooling.tokens.rotate({ refresh_token: t.configRefresh })), 'invalid_refresh_token');
      assert.equal(await failure(client().tooling.tokens.rotate({ refresh_token: rotated.refresh_token! })), 'invalid_refresh_token', 'reuse revoked the family');
    });

    test('workspace tokens: oauth.access with an xoxr- refresh token issues a new xoxa-2-; the old lives until it expires', async () => {
      const work = { client_id: '1.2', client_secret: 'workspace-app-secret' };
      const before = await as(t.workspace).auth.test();
      assert.ok((before.expires_in as number) > 0 && (before.expires_in as number) <= 3600);
      const next = (await client().oauth.access({ ...work, grant_type: 'refresh_token', refresh_token: t.workspaceRefresh } as never)) as unknown as Record<string, unknown>;
      assert.match(next['access_token'] as string, /^xoxa-2-/);
      assert.equal(next['expires_in'], 3600);
      assert.equal((await as(t.workspace).auth.test()).ok, true, 'no downtime: the previous token still works');
      assert.equal((await as(next['access_token'] as string).auth.test()).team_id, 'T0ACME0001');
      await moveClock(server, 3601);
      assert.equal(await failure(as(t.workspace).auth.test()), 'token_expired');
      assert.equal(await failure(as(next['access_token'] as string).auth.test()), 'token_expired');
      const again = (await client().oauth.access({ ...work, grant_type: 'refresh_token', refresh_token: t.workspaceRefresh } as never)) as unknown as Record<string, unknown>;
      assert.equal((await as(again['access_token'] as string).auth.test()).ok, true);
      assert.equal(await failure(client().oauth.access({ ...work, grant_type: 'refresh_token', refresh_token: 'xoxr-nope' } as never)), 'invalid_refresh_token');
      assert.equal(await failure(client().oauth.access({ client_id: ROTATING.clientId, client_secret: ROTATING.clientSecret, grant_type: 'refresh_token', refresh_token: t.workspaceRefresh } as never)), 'invalid_refresh_token');
    });
  });
}
