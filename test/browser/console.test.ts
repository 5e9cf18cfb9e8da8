import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { App, LogLevel, type Logger } from '@slack/bolt';
import type { Installation } from '@slack/oauth';
import { WebClient } from '@slack/web-api';
import type { Browser, Page } from 'playwright-core';
import { createTessera, type Tessera } from '../../src/app.ts';
import { configFrom } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { artifactPath, freePort, launchBrowser } from '../helpers/browser.ts';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => LogLevel.ERROR, setName() {} };

let browser: Browser;
let tessera: Tessera;
let url: string;
before(async () => {
  browser = await launchBrowser();
  // A first start, as a newcomer has it: the demo workspace and its owner, nothing else.
  tessera = await createTessera(configFrom({ port: '0', db: ':memory:', 'rate-limits': 'off' }, {}), { logger: createLogger('silent'), demo: true });
  url = await tessera.listen();
});
after(async () => {
  await browser?.close();
  await tessera?.close();
});

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: artifactPath(`console-${name}.png`), fullPage: true });
}

test("a newcomer's first hour in the console: sign in, create an app, install it, revoke a token, find it in the logs", async () => {
  const demo = tessera.demo!;
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  try {
    await page.goto(`${url}/admin`);
    await page.waitForURL((u) => u.pathname === '/login');
    await page.getByLabel('Email').fill(demo.email);
    await page.getByLabel('Password').fill(demo.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/admin');
    await page.getByRole('heading', { name: 'Tessera console' }).waitFor();
    assert.ok(await page.getByRole('link', { name: 'Demo App' }).isVisible());
    await shot(page, 'overview');

    await page.getByRole('link', { name: 'Tessera Demo' }).click();
    await page.getByRole('heading', { name: 'Members' }).waitFor();
    await shot(page, 'workspace');

    // Create an app; its credentials are on the page once.
    const port = await freePort();
    await page.getByRole('link', { name: 'Create an app' }).first().click();
    await page.getByLabel('App name').fill('Newcomer App');
    await page.getByLabel('Redirect URLs (one per line)').fill(`http://localhost:${port}/slack/oauth_redirect`);
    await page.getByLabel('Bot scopes (comma-separated)').fill('chat:write,team:read');
    await page.getByLabel('User scopes (comma-separated)').fill('team:read');
    await shot(page, 'create-app');
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.getByRole('heading', { name: 'Newcomer App is created' }).waitFor();
    const read = (label: string) => page.getByLabel(label, { exact: true }).inputValue();
    const credentials = { appId: await read('App ID'), clientId: await read('Client ID'), clientSecret: await read('Client secret'), signingSecret: await read('Signing secret') };
    assert.match(credentials.clientSecret, /^[0-9a-f]{32}$/);
    await shot(page, 'credentials');

    // Install it with a real Bolt app, in the same (signed-in) browser.
    const installations: Installation[] = [];
    const bolt = new App({
      signingSecret: credentials.signingSecret,
      clientId: credentials.clientId,
      clientSecret: credentials.clientSecret,
      stateSecret: 'newcomer state secret',
      scopes: ['chat:write', 'team:read'],
      redirectUri: `http://localhost:${port}/slack/oauth_redirect`,
      logger: quiet,
      installationStore: { storeInstallation: async (i) => void installations.push(i as Installation), fetchInstallation: async () => installations[0] as Installation<'v2', false> },
      installerOptions: {
        directInstall: true,
        redirectUriPath: '/slack/oauth_redirect',
        userScopes: ['team:read'],
        authorizationUrl: `${url}/oauth/v2/authorize`,
        // Bolt's own success page redirects to slack://, which would cut across the next steps in this browser.
        callbackOptions: {
          success: (_installation, _options, _req, res) => {
            res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
            res.end('<!doctype html><title>Installed</title><p>Installed</p>');
          },
        },
      },
      clientOptions: { slackApiUrl: `${url}/api/`, retryConfig: { retries: 0 } },
    });
    await bolt.start(port);
    try {
      await page.goto(`http://localhost:${port}/slack/install`);
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL((u) => u.pathname === '/slack/oauth_redirect');
      await page.getByText('Installed').waitFor();
    } finally {
      await bolt.stop();
    }
    assert.equal(installations.length, 1);
    const botToken = installations[0]!.bot!.token!;

    // The installation and its tokens, without the secrets; revoke the bot token.
    await page.goto(`${url}/admin/apps/${credentials.appId}`);
    await page.getByRole('heading', { name: 'Installations' }).waitFor();
    const rows = page.locator('section[id^="installation-"] tbody tr');
    assert.equal(await rows.count(), 2, 'a bot token and a user token');
    assert.ok(!(await page.content()).includes(botToken), 'the page never shows a token');
    const botRow = () => rows.filter({ has: page.getByRole('cell', { name: 'bot', exact: true }) });
    await botRow().getByRole('button', { name: 'Revoke' }).click();
    await botRow().getByText(/^revoked /).waitFor();
    await shot(page, 'app');

    // The app's next call fails, and both logs say so.
    await assert.rejects(new WebClient(botToken, { slackApiUrl: `${url}/api/`, retryConfig: { retries: 0 } }).auth.test(), (e: { data?: { error?: string } }) => e.data?.error === 'token_revoked');
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('cell', { name: 'token_revoked', exact: true }).first().waitFor();
    assert.ok(await page.getByRole('cell', { name: 'app_installed', exact: true }).first().isVisible());
    await shot(page, 'audit');
    await page.getByRole('link', { name: 'Request log' }).click();
    await page.locator('#requests tbody tr', { hasText: 'token_revoked' }).first().waitFor();
    await shot(page, 'requests');

    await page.getByRole('link', { name: 'Clock and faults' }).click();
    await page.getByRole('button', { name: 'Move the clock' }).click();
    await page.getByText(/3600 seconds from real time/).waitFor();
    await shot(page, 'clock');
  } finally {
    await context.close();
  }
});
