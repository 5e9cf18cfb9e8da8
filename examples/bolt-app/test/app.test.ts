import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { LogLevel } from '@slack/bolt';
import { startTessera, type TestTessera } from 'tessera';
import { createSlackApp } from '../src/app.ts';
import { installThroughTheApp, slashCommand } from './slack.ts';

const APP_ID = 'A0BOLT0001';
const TEAM_ID = 'T0ACME0001';
const ALICE = 'U0ALICE001';
const SIGNING_SECRET = 'bolt-example-signing-secret';

/** The workspace, member and app of `tessera-fixture.json`, with the callback where this test's app listens. */
function fixture(appUrl: string) {
  const fixture = JSON.parse(readFileSync(new URL('../tessera-fixture.json', import.meta.url), 'utf8'));
  fixture.apps[0].redirect_urls = [`${appUrl}/slack/oauth_redirect`];
  return fixture;
}

describe('the Workspace Teller app', () => {
  let t: TestTessera;
  let server: Server;
  let appUrl: string;
  let slack: ReturnType<typeof createSlackApp>;

  before(async () => {
    // The app listens first, so its callback URL (with its port) can be registered in Tessera's fixture.
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    t = await startTessera({ fixture: fixture(appUrl) });
    slack = createSlackApp({
      clientId: '1111.2222',
      clientSecret: 'bolt-example-client-secret',
      signingSecret: SIGNING_SECRET,
      stateSecret: 'a-long-random-string-for-the-oauth-state',
      slackApiUrl: t.apiUrl,
      authorizationUrl: t.authorizeUrl,
      logLevel: LogLevel.ERROR,
    });
    server.on('request', slack.receiver.requestListener);
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });

  beforeEach(() => t.reset());

  const workspace = () => slashCommand(appUrl, SIGNING_SECRET, { command: '/workspace', team_id: TEAM_ID, user_id: ALICE });

  test('the install callback stores the installation, and the command works with it', async () => {
    const callback = await installThroughTheApp(appUrl, t, { user: ALICE });
    assert.equal(callback.status, 200, callback.page);
    assert.match(callback.page, /Installed in Acme/);
    const stored = slack.installations.forTeam(TEAM_ID);
    assert.ok(stored?.bot, 'the installation is stored for the workspace');
    assert.match(stored.bot.token ?? '', /^xoxe\.xoxb-/, 'with a rotating bot token');
    assert.match(stored.bot.refreshToken ?? '', /^xoxe-1-/, 'and its refresh token');
    assert.deepEqual(await workspace(), { status: 200, text: 'This is Acme (acme.slack.com).' });
  });

  test('a cancelled install stores nothing new', async () => {
    const before = slack.installations.forTeam(TEAM_ID);
    const callback = await installThroughTheApp(appUrl, t, { cancel: true });
    assert.equal(callback.status, 400);
    assert.equal(slack.installations.forTeam(TEAM_ID), before);
  });

  test('token_expired: the bot token is refreshed once, and the command still answers', async () => {
    await installThroughTheApp(appUrl, t, { user: ALICE });
    // Twelve hours pass for Slack (Tessera's clock) but not for the app, which still believes its token fresh.
    await t.clock.advance(12 * 3600 + 60);
    assert.deepEqual(await workspace(), { status: 200, text: 'This is Acme (acme.slack.com).' });
    assert.deepEqual(t.requests({ app: APP_ID, method: 'team.info' }).map((r) => r.error), ['token_expired', null]);
    const refreshes = t.requests({ app: APP_ID, method: 'oauth.v2.access' }).filter((r) => r.args['grant_type'] === 'refresh_token');
    assert.equal(refreshes.length, 1);
    assert.equal(refreshes[0]!.ok, true);
    // The new token is kept: the next command needs no refresh.
    assert.equal((await workspace()).text, 'This is Acme (acme.slack.com).');
    assert.equal(t.requests({ app: APP_ID, method: 'oauth.v2.access' }).length, 2, 'the install and one refresh, no more');
  });

  test('ratelimited with a short Retry-After: the app waits it out and answers', async () => {
    await installThroughTheApp(appUrl, t, { user: ALICE });
    await t.faults.rateLimit({ app: APP_ID, method: 'team.info', retryAfter: 1, times: 1 });
    const started = Date.now();
    assert.deepEqual(await workspace(), { status: 200, text: 'This is Acme (acme.slack.com).' });
    assert.ok(Date.now() - started >= 1000, 'Retry-After was honoured');
    assert.deepEqual(t.requests({ app: APP_ID, method: 'team.info' }).map((r) => r.error), ['ratelimited', null]);
  });

  test('ratelimited for longer than Slack waits for an answer: a polite reply in time, no retry', async () => {
    await installThroughTheApp(appUrl, t, { user: ALICE });
    await t.faults.rateLimit({ app: APP_ID, method: 'team.info', retryAfter: 30, times: 1 });
    const started = Date.now();
    assert.deepEqual(await workspace(), { status: 200, text: 'Slack is busy right now; try again in a minute.' });
    assert.ok(Date.now() - started < 3000);
    assert.equal(t.requests({ app: APP_ID, method: 'team.info' }).length, 1);
  });
});
