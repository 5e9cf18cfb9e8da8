import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { WebClient } from '@slack/web-api';
import { createTessera } from '../../src/app.ts';
import { configFrom } from '../../src/config.ts';
import { validateFixture } from '../../src/domain/fixture.ts';
import { createLogger } from '../../src/log.ts';
import { clientOf, installFixture, mint } from '../helpers/fixture.ts';
import { consent, FlowClient } from '../helpers/flow.ts';
import { ADMIN_TOKEN } from '../helpers/clock.ts';

/**
 * Issue 9 §5: every flow, with every token kind, with the most talkative log level, and not one secret in the
 * output: tokens, refresh tokens, client and signing secrets, passwords, codes, webhook secrets, cookies.
 */
test('no token, secret, password or code reaches the logs', async () => {
  const sink = new PassThrough();
  let logs = '';
  sink.on('data', (c: Buffer) => (logs += c.toString('utf8')));
  const secrets: string[] = [];
  const keep = <T extends string | undefined | null>(value: T): T => {
    if (value) secrets.push(value);
    return value;
  };

  const fixture = installFixture(['http://localhost:3000/slack/oauth_redirect']) as { apps: Array<Record<string, unknown>>; users: Array<Record<string, unknown>>; tokens?: unknown[] };
  for (const app of fixture.apps) {
    keep(app['client_secret'] as string);
    keep(app['signing_secret'] as string);
    app['request_url'] = 'http://127.0.0.1:9/slack/events'; // nobody listens: deliveries fail and are logged
  }
  for (const user of fixture.users) keep(user['password'] as string | undefined);
  const t = {
    legacy: keep(mint.user('T0ACME0001', 'U0BOB00001')),
    app: keep(mint.app('A0INST0001')),
    config: keep(mint.rotatingUser()),
    configRefresh: keep(mint.refresh()),
  };
  fixture.tokens = [
    { kind: 'legacy', team_id: 'T0ACME0001', user_id: 'U0BOB00001', token: t.legacy },
    { kind: 'app', app_id: 'A0INST0001', scopes: ['connections:write', 'authorizations:read'], token: t.app },
    { kind: 'config', team_id: 'T0ACME0001', user_id: 'U0ALICE001', token: t.config, refresh_token: t.configRefresh },
  ];

  const config = { ...configFrom({ port: '0', db: ':memory:', 'rate-limits': 'on' }, {}), adminToken: keep(ADMIN_TOKEN) };
  const tessera = await createTessera(config, { logger: createLogger('trace', sink), fixture: validateFixture(fixture) });
  const url = await tessera.listen();
  try {
    const api = (token?: string) => new WebClient(token, { slackApiUrl: `${url}/api/`, retryConfig: { retries: 0 }, timeout: 10_000 });
    const swallow = (p: Promise<unknown>) => p.catch(() => undefined);

    // Installs (v2 with a webhook, classic, rotating), with codes kept as secrets.
    const install = async (appId: string, path: string, who = { email: 'bob@acme.test', password: 'bob-password' }) => {
      const browser = new FlowClient(url);
      const { location } = await consent(browser, path, { ...who, team: 'T0ACME0001' });
      for (const [name, value] of browser.cookies) if (name.includes('session')) keep(value);
      const code = keep(new URL(location).searchParams.get('code'))!;
      const { clientId, clientSecret } = clientOf(appId);
      return { code, clientId, clientSecret };
    };
    const v2 = await install('A0INST0001', `/oauth/v2/authorize?client_id=${clientOf('A0INST0001').clientId}&scope=chat:write,incoming-webhook,team:read&user_scope=team:read`);
    const installed = await api().oauth.v2.access({ client_id: v2.clientId, client_secret: v2.clientSecret, code: v2.code });
    keep(installed.access_token);
    keep(installed.authed_user?.access_token);
    keep(installed.incoming_webhook?.url?.split('/').at(-1));
    await swallow(api().oauth.v2.access({ client_id: v2.clientId, client_secret: v2.clientSecret, code: v2.code })); // replay
    const classic = await install('A0CLAS0001', `/oauth/authorize?client_id=${clientOf('A0CLAS0001').clientId}&scope=bot,channels:read`);
    const classicAnswer = (await api().oauth.access({ client_id: classic.clientId, client_secret: classic.clientSecret, code: classic.code })) as unknown as { access_token: string; bot: { bot_access_token: string } };
    keep(classicAnswer.access_token);
    keep(classicAnswer.bot.bot_access_token);
    const rotating = await install('A0ROTA0001', `/oauth/v2/authorize?client_id=${clientOf('A0ROTA0001').clientId}&scope=chat:write&user_scope=search:read`);
    const pair = await api().oauth.v2.access({ client_id: rotating.clientId, client_secret: rotating.clientSecret, code: rotating.code });
    keep(pair.access_token);
    keep(pair.refresh_token);
    const refreshed = await api().oauth.v2.access({ client_id: rotating.clientId, client_secret: rotating.clientSecret, grant_type: 'refresh_token', refresh_token: pair.refresh_token! });
    keep(refreshed.access_token);
    keep(refreshed.refresh_token);
    await swallow(api().oauth.v2.access({ client_id: rotating.clientId, client_secret: 'wrong-but-maybe-logged', grant_type: 'refresh_token', refresh_token: refreshed.refresh_token! }));
    keep('wrong-but-maybe-logged');
    const rotatedConfig = await api().tooling.tokens.rotate({ refresh_token: t.configRefresh });
    keep(rotatedConfig.token);
    keep(rotatedConfig.refresh_token);

    // Every kind of token used, refused and revoked.
    for (const token of [installed.access_token!, installed.authed_user!.access_token!, classicAnswer.bot.bot_access_token, t.legacy, t.app, rotatedConfig.token!, refreshed.access_token!]) {
      await swallow(api(token).auth.test());
      await swallow(api(token).team.info());
    }
    await swallow(api(t.app).apps.connections.open());
    await swallow(api(`${installed.access_token!.slice(0, -4)}AAAA`).auth.test());
    await fetch(installed.incoming_webhook!.url!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"hello"}' });
    await fetch(`${installed.incoming_webhook!.url!.slice(0, -3)}xyz`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"hello"}' });
    await api(refreshed.access_token!).auth.revoke();
    await api(classicAnswer.bot.bot_access_token).apps.uninstall({ client_id: classic.clientId, client_secret: classic.clientSecret });

    // Sign-in failures and admin calls.
    const stranger = new FlowClient(url);
    await stranger.signIn('bob@acme.test', 'not-bobs-password-xyz');
    keep('not-bobs-password-xyz');
    await fetch(`${url}/admin/api/clock`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: '{"advance_seconds":1}' });
    await fetch(`${url}/admin/api/clock`, { headers: { authorization: 'Bearer a-wrong-admin-token-value' } });
    keep('a-wrong-admin-token-value');
    // Let the failing event deliveries be attempted and logged.
    await new Promise((r) => setTimeout(r, 700));
  } finally {
    await tessera.close();
  }

  assert.ok(logs.length > 1000, 'the logs were captured');
  assert.match(logs, /event_delivery_failed/, 'the flows above were logged');
  for (const secret of secrets) {
    assert.ok(secret.length >= 8, `a secret to look for is long enough to mean something: ${secret.length}`);
    assert.ok(!logs.includes(secret), `a secret (${secret.slice(0, 6)}…) is in the logs`);
  }
});
