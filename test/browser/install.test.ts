import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { App, LogLevel, type Logger } from '@slack/bolt';
import type { Installation, InstallationQuery } from '@slack/oauth';
import { WebClient } from '@slack/web-api';
import type { Browser, Page } from 'playwright-core';
import { artifactPath, freePort, launchBrowser } from '../helpers/browser.ts';
import { clientOf, installFixture } from '../helpers/fixture.ts';
import { ENGINES, startServer, type TestServer } from '../helpers/server.ts';

/**
 * The whole install, as a developer meets it: a real Bolt app (its own /slack/install, state cookie and callback),
 * Slack's own InstallProvider exchanging the code, and Tessera's pages in Debian's Chromium.
 */

interface BoltUnderTest {
  installUrl: string;
  installations: Installation[];
  /** What Bolt and its InstallProvider logged as errors: the tests assert on it rather than print it. */
  errors: string[];
  stop(): Promise<void>;
}

async function startBolt(tessera: TestServer, options: { appId: string; version: 'v1' | 'v2'; port: number; scopes: string[]; userScopes?: string[] }): Promise<BoltUnderTest> {
  const installations: Installation[] = [];
  const errors: string[] = [];
  const logger: Logger = {
    debug() {},
    info() {},
    warn() {},
    error: (...messages: unknown[]) => void errors.push(messages.map(String).join(' ')),
    setLevel() {},
    getLevel: () => LogLevel.ERROR,
    setName() {},
  };
  const { clientId, clientSecret } = clientOf(options.appId);
  const redirectUri = `http://localhost:${options.port}/slack/oauth_redirect`;
  const app = new App({
    signingSecret: `${options.appId.toLowerCase()}-signing-secret`,
    clientId,
    clientSecret,
    stateSecret: 'a state secret of the Bolt app under test',
    scopes: options.scopes,
    redirectUri,
    logger,
    installationStore: {
      storeInstallation: async (installation: Installation) => {
        installations.push(installation);
      },
      fetchInstallation: async (query: InstallationQuery<boolean>) => {
        const found = installations.findLast((i) => i.team?.id === query.teamId);
        if (!found) throw new Error('no installation');
        return found;
      },
    },
    installerOptions: {
      directInstall: true,
      redirectUriPath: '/slack/oauth_redirect',
      userScopes: options.userScopes,
      ...(options.version === 'v1'
        ? { authVersion: 'v1' as const, authorizationUrl: `${tessera.url}/oauth/authorize` }
        : { authorizationUrl: `${tessera.url}/oauth/v2/authorize` }),
    },
    clientOptions: { slackApiUrl: tessera.apiUrl, retryConfig: { retries: 0 }, timeout: 10_000 },
  });
  await app.start(options.port);
  return { installUrl: `http://localhost:${options.port}/slack/install`, installations, errors, stop: () => app.stop() as Promise<unknown> as Promise<void> };
}

async function signIn(page: Page, email: string, password: string, screenshot?: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  if (screenshot) await page.screenshot({ path: artifactPath(screenshot), fullPage: true });
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const api = (server: TestServer, token: string) => new WebClient(token, { slackApiUrl: server.apiUrl, retryConfig: { retries: 0 }, timeout: 10_000 });

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

for (const engine of ENGINES) {
  describe(`install in a real browser with a real Bolt app (${engine})`, () => {
    test('v2: /slack/install → sign in → consent → callback; the installation works', async () => {
      const port = await freePort();
      const server = await startServer(engine, installFixture([`http://localhost:${port}/slack/oauth_redirect`]));
      const bolt = await startBolt(server, {
        appId: 'A0INST0001',
        version: 'v2',
        port,
        scopes: ['chat:write', 'channels:read', 'incoming-webhook'],
        userScopes: ['search:read', 'team:read'],
      });
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        page.setDefaultTimeout(15_000);
        await page.goto(bolt.installUrl);
        await page.waitForURL((u) => u.pathname === '/login');
        assert.equal(new URL(page.url()).origin, server.url, 'the app sends the browser to Tessera');
        await signIn(page, 'bob@acme.test', 'bob-password', `sign-in-${engine}.png`);

        await page.getByRole('button', { name: 'Allow' }).waitFor();
        const heading = await page.getByRole('heading', { level: 1 }).innerText();
        assert.match(heading, /Install App/);
        assert.match(heading, /Acme/);
        await page.getByLabel('Channel').selectOption({ label: '#general' });
        await page.screenshot({ path: artifactPath(`consent-${engine}.png`), fullPage: true });
        await page.getByRole('button', { name: 'Allow' }).click();
        await page.waitForURL((u) => u.pathname === '/slack/oauth_redirect');
        await page.getByText(/Thank you|success/i).first().waitFor();

        assert.deepEqual(bolt.errors, []);
        assert.equal(bolt.installations.length, 1, 'Bolt stored one installation');
        const installation = bolt.installations[0]!;
        assert.equal(installation.team?.id, 'T0ACME0001');
        assert.equal(installation.appId, 'A0INST0001');
        assert.equal(installation.authVersion, 'v2');
        assert.match(installation.bot!.token!, /^xoxb-/);
        assert.match(installation.bot!.id!, /^B/);
        assert.match(installation.bot!.userId!, /^U/);
        assert.deepEqual([...installation.bot!.scopes!].sort(), ['channels:read', 'chat:write', 'incoming-webhook']);
        assert.equal(installation.user.id, 'U0BOB00001');
        assert.match(installation.user.token!, /^xoxp-/);
        assert.deepEqual([...installation.user.scopes!].sort(), ['search:read', 'team:read']);
        assert.equal(installation.incomingWebhook?.channelId, 'C0GENERAL1');
        assert.equal(installation.incomingWebhook?.channel, '#general');

        const bot = await api(server, installation.bot!.token!).auth.test();
        assert.equal(bot.bot_id, installation.bot!.id);
        assert.equal(bot.user_id, installation.bot!.userId);
        assert.equal(bot.team_id, 'T0ACME0001');
        assert.equal(bot.is_enterprise_install, false);
        const user = await api(server, installation.user.token!).auth.test();
        assert.equal(user.user_id, 'U0BOB00001');
        assert.equal(user.user, 'bob');
        assert.equal(user.bot_id, undefined);

        const hook = await fetch(installation.incomingWebhook!.url!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'installed' }), signal: AbortSignal.timeout(10_000) });
        assert.equal(hook.status, 200);
        assert.equal(await hook.text(), 'ok');
      } finally {
        await context.close();
        await bolt.stop();
        await server.close();
      }
    });

    test('v1 (authVersion v1): the classic flow gives Bolt a user token, the classic bot and a webhook', async () => {
      const port = await freePort();
      const server = await startServer(engine, installFixture([`http://localhost:${port}/slack/oauth_redirect`]));
      const bolt = await startBolt(server, { appId: 'A0CLAS0001', version: 'v1', port, scopes: ['bot', 'incoming-webhook', 'channels:read'] });
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        page.setDefaultTimeout(15_000);
        await page.goto(bolt.installUrl);
        await page.waitForURL((u) => u.pathname === '/login');
        // alice belongs to two workspaces, so the consent page asks which one
        await signIn(page, 'alice@acme.test', 'alice-password');
        await page.getByLabel('Workspace').selectOption({ label: 'Acme' });
        await page.getByLabel('Channel').selectOption({ label: '#random' });
        await page.screenshot({ path: artifactPath(`consent-classic-${engine}.png`), fullPage: true });
        await page.getByRole('button', { name: 'Allow' }).click();
        await page.waitForURL((u) => u.pathname === '/slack/oauth_redirect');
        await page.getByText(/Thank you|success/i).first().waitFor();

        assert.deepEqual(bolt.errors, []);
        assert.equal(bolt.installations.length, 1);
        const installation = bolt.installations[0]!;
        assert.equal(installation.authVersion, 'v1');
        assert.equal(installation.team?.id, 'T0ACME0001');
        assert.equal(installation.team?.name, 'Acme');
        assert.equal(installation.user.id, 'U0ALICE001');
        assert.match(installation.user.token!, /^xoxp-/);
        assert.ok(installation.user.scopes!.includes('identify'), 'identify is always granted');
        assert.ok(installation.user.scopes!.includes('channels:read'));
        assert.match(installation.bot!.token!, /^xoxb-/);
        assert.match(installation.bot!.id!, /^B/);
        assert.equal(installation.incomingWebhook?.channelId, 'C0RANDOM01');

        const bot = await api(server, installation.bot!.token!).auth.test();
        assert.equal(bot.bot_id, installation.bot!.id);
        assert.equal(bot.user_id, installation.bot!.userId);
        const user = await api(server, installation.user.token!).auth.test();
        assert.equal(user.user_id, 'U0ALICE001');
      } finally {
        await context.close();
        await bolt.stop();
        await server.close();
      }
    });

    test('Cancel in the browser brings the member back to the app with access_denied, and nothing is installed', async () => {
      const port = await freePort();
      const server = await startServer(engine, installFixture([`http://localhost:${port}/slack/oauth_redirect`]));
      const bolt = await startBolt(server, { appId: 'A0INST0001', version: 'v2', port, scopes: ['chat:write'] });
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        page.setDefaultTimeout(15_000);
        await page.goto(bolt.installUrl);
        await signIn(page, 'bob@acme.test', 'bob-password');
        await page.getByRole('button', { name: 'Cancel' }).click();
        await page.waitForURL((u) => u.pathname === '/slack/oauth_redirect');
        const url = new URL(page.url());
        assert.equal(url.searchParams.get('error'), 'access_denied');
        assert.ok(url.searchParams.get('state'), 'the state comes back');
        assert.equal(bolt.installations.length, 0);
        assert.match(bolt.errors.join('\n'), /User cancelled the OAuth installation flow/);
      } finally {
        await context.close();
        await bolt.stop();
        await server.close();
      }
    });
  });
}
