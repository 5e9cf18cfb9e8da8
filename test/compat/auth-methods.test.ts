import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WebClient, type WebAPICallResult } from '@slack/web-api';
import { ENGINES, startServer, type TestServer } from '../helpers/server.ts';
import { standardFixture, type StandardTokens } from '../helpers/fixture.ts';

/** auth.test and auth.revoke through Slack's own WebClient, for every kind of token a fixture can hold. */
for (const engine of ENGINES) {
  describe(`auth.test and auth.revoke with WebClient (${engine})`, () => {
    let server: TestServer;
    let tokens: StandardTokens;
    const client = (token: string) => new WebClient(token, { slackApiUrl: server.apiUrl, retryConfig: { retries: 0 } });
    const failure = async (call: Promise<WebAPICallResult>): Promise<string> => {
      try {
        await call;
      } catch (error) {
        const e = error as { code?: string; data?: { error?: string } };
        assert.equal(e.code, 'slack_webapi_platform_error', `expected a platform error, got ${String(error)}`);
        return e.data!.error!;
      }
      assert.fail('the call succeeded');
    };

    // Slack answers {ok, revoked}; the SDK's response type leaves `revoked` out.
    const revoked = (r: WebAPICallResult): unknown => (r as { revoked?: unknown }).revoked;

    before(async () => {
      const made = standardFixture();
      tokens = made.tokens;
      server = await startServer(engine, made.fixture);
    });
    after(() => server.close());

    test('a granular bot token is the app’s bot user', async () => {
      const r = await client(tokens.bot).auth.test();
      assert.equal(r.ok, true);
      assert.equal(r.team, 'Acme');
      assert.equal(r.team_id, 'T0ACME0001');
      assert.equal(r.url, `${server.url}/t/acme/`);
      assert.equal(r.user, 'demo_app');
      assert.match(r.user_id!, /^U[A-Z0-9]+$/);
      assert.match(r.bot_id!, /^B[A-Z0-9]+$/);
      assert.equal(r.is_enterprise_install, false);
      assert.equal(r.expires_in, undefined);
      assert.equal(r.enterprise_id, undefined);
    });

    test('a bot token in an enterprise workspace carries enterprise_id', async () => {
      const r = await client(tokens.betaBot).auth.test();
      assert.equal(r.team_id, 'T0BETA0001');
      assert.equal(r.enterprise_id, 'E0GRID0001');
    });

    test('a user token is its member', async () => {
      const r = await client(tokens.user).auth.test();
      assert.deepEqual(
        { user: r.user, user_id: r.user_id, team: r.team, team_id: r.team_id, bot_id: r.bot_id },
        { user: 'alice', user_id: 'U0ALICE001', team: 'Acme', team_id: 'T0ACME0001', bot_id: undefined },
      );
    });

    test('rotating bot and user tokens say when they expire', async () => {
      const bot = await client(tokens.rotatingBot).auth.test();
      assert.match(bot.bot_id!, /^B/);
      assert.ok(bot.expires_in! > 43_100 && bot.expires_in! <= 43_200, `expires_in ${bot.expires_in}`);
      const user = await client(tokens.rotatingUser).auth.test();
      assert.equal(user.user_id, 'U0ALICE001');
      assert.ok(user.expires_in! > 43_100 && user.expires_in! <= 43_200);
    });

    test('classic bot and user tokens', async () => {
      const bot = await client(tokens.classicBot).auth.test();
      assert.equal(bot.user, 'classic_app');
      assert.match(bot.bot_id!, /^B/);
      const user = await client(tokens.classicUser).auth.test();
      assert.equal(user.user_id, 'U0ALICE001');
    });

    test('an app-level token is its app', async () => {
      const r = await client(tokens.app).auth.test();
      assert.equal(r.app_id, 'A0DEMO0001');
      assert.equal(r.app_name, 'Demo App');
      assert.equal(r.user_id, undefined);
    });

    test('a workspace token is its workspace, for an hour', async () => {
      const r = await client(tokens.workspace).auth.test();
      assert.equal(r.team_id, 'T0ACME0001');
      assert.equal(r.app_id, 'A0WORK0001');
      assert.equal(r.user_id, undefined);
      assert.ok(r.expires_in! > 3_500 && r.expires_in! <= 3_600);
    });

    test('legacy and config tokens are their member', async () => {
      const legacy = await client(tokens.legacy).auth.test();
      assert.equal(legacy.user_id, 'U0ALICE001');
      assert.equal(legacy.expires_in, undefined);
      const config = await client(tokens.config).auth.test();
      assert.equal(config.user_id, 'U0ALICE001');
      assert.ok(config.expires_in! > 43_100);
    });

    test('refresh tokens are not bearer tokens', async () => {
      for (const refresh of [tokens.rotatingBotRefresh, tokens.workspaceRefresh, tokens.configRefresh]) {
        assert.equal(await failure(client(refresh).auth.test()), 'not_allowed_token_type');
      }
    });

    test('a deactivated member’s user and legacy tokens answer account_inactive', async () => {
      assert.equal(await failure(client(tokens.deactivatedUser).auth.test()), 'account_inactive');
      assert.equal(await failure(client(tokens.deactivatedLegacy).auth.test()), 'account_inactive');
    });

    test('a call from outside the app’s IP allowlist answers invalid_auth', async () => {
      assert.equal(await failure(client(tokens.fencedBot).auth.test()), 'invalid_auth');
    });

    test('auth.revoke with test=true revokes nothing', async () => {
      const r = await client(tokens.legacy).auth.revoke({ test: true });
      assert.equal(revoked(r), false);
      assert.equal((await client(tokens.legacy).auth.test()).ok, true);
    });

    test('auth.revoke ends each kind of token, and only it', async () => {
      for (const kind of ['legacy', 'config', 'app', 'workspace', 'user', 'rotatingBot'] as const) {
        const r = await client(tokens[kind]).auth.revoke();
        assert.equal(revoked(r), true, kind);
        assert.equal(await failure(client(tokens[kind]).auth.test()), 'token_revoked', kind);
      }
      // The rotating bot's refresh token outlives its revoked access token.
      assert.equal(revoked(await client(tokens.rotatingBotRefresh).auth.revoke({ test: true })), false);
      assert.equal((await client(tokens.bot).auth.test()).ok, true);
    });

    test('revoking a refresh token ends the access tokens of its grant', async () => {
      assert.equal(revoked(await client(tokens.rotatingUserRefresh).auth.revoke()), true);
      assert.equal(await failure(client(tokens.rotatingUser).auth.test()), 'token_revoked');
    });

    test('revoking a granular bot token deactivates the bot, not the members’ tokens', async () => {
      await client(tokens.bot).auth.revoke();
      assert.equal(await failure(client(tokens.bot).auth.test()), 'token_revoked');
      // Alice's user token of the same app still works; the install is not gone.
      const other = await client(tokens.classicUser).auth.test();
      assert.equal(other.ok, true);
    });

    test('revoking the last token of an installation uninstalls the app', async () => {
      await client(tokens.classicBot).auth.revoke();
      assert.equal((await client(tokens.classicUser).auth.test()).ok, true);
      await client(tokens.classicUser).auth.revoke();
      const installs = await server.tessera.store.db.selectFrom('installations').select(['app_id', 'uninstalled_at']).where('app_id', '=', 'A0OLD00001').execute();
      assert.equal(installs.length, 1);
      assert.notEqual(installs[0]!.uninstalled_at, null);
    });

    test('a revoked token cannot revoke again', async () => {
      assert.equal(await failure(client(tokens.legacy).auth.revoke()), 'token_revoked');
    });
  });
}
