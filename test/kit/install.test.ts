import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { WebClient } from '@slack/web-api';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { InstallError, startTessera, type InstallRedirect, type TestTessera } from '../../src/index.ts';
import { clientOf, installFixture } from '../helpers/fixture.ts';
import { consent, FlowClient } from '../helpers/flow.ts';

const INSTALL = clientOf('A0INST0001');
const CLASSIC = clientOf('A0CLAS0001');
const PRIVATE = clientOf('A0PRIV0001');

/** What the app sees of an answer, without the code itself (each is new). */
function seen(url: string): Record<string, string | null> {
  const u = new URL(url);
  return { target: `${u.origin}${u.pathname}`, error: u.searchParams.get('error'), state: u.searchParams.get('state'), code: u.searchParams.has('code') ? 'a code' : null };
}

/** Issue 10, item 2: a headless install is the browser install with the member's clicks given programmatically. */
describe('headless install', () => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera({ fixture: installFixture() });
  });
  after(() => t.close());

  const PATHS = { v1: '/oauth/authorize', v2: '/oauth/v2/authorize', oidc: '/openid/connect/authorize' };
  const link = (flow: keyof typeof PATHS, params: Record<string, string>) => `${t.url}${PATHS[flow]}?${new URLSearchParams(params)}`;

  test('follows exactly the rules of the authorize pages: the same redirect, error and state for every request', async () => {
    const cases: Array<['v1' | 'v2' | 'oidc', Record<string, string>]> = [
      ['v2', { client_id: INSTALL.clientId, scope: 'chat:write,team:read', state: 's1' }],
      ['v2', { client_id: INSTALL.clientId, scope: 'chat:write', user_scope: 'search:read', state: 'a b&c=d/é✓' }],
      ['v2', { client_id: INSTALL.clientId, scope: 'no:such', state: 's2' }],
      ['v2', { client_id: INSTALL.clientId, scope: 'bot', state: 's3' }],
      ['v2', { client_id: INSTALL.clientId, scope: 'chat:write', user_scope: 'identity.basic', state: 's4' }],
      ['v2', { client_id: INSTALL.clientId, scope: 'chat:write', redirect_uri: 'https://app.example.com/path/sub', state: 's5' }],
      ['v2', { client_id: INSTALL.clientId, scope: 'chat:write', code_challenge: 'short', code_challenge_method: 'S256' }],
      ['v2', { client_id: INSTALL.clientId, scope: 'chat:write', code_challenge_method: 'plain' }],
      ['v2', { client_id: PRIVATE.clientId, scope: 'chat:write', team: 'T0BETA0001', state: 's6' }],
      ['v2', { client_id: INSTALL.clientId, scope: '' }],
      ['v1', { client_id: CLASSIC.clientId, scope: 'bot,channels:read', state: 's7' }],
      ['v1', { client_id: CLASSIC.clientId, scope: 'no:such', state: 's8' }],
      ['v1', { client_id: INSTALL.clientId, scope: 'identify' }],
      ['oidc', { client_id: INSTALL.clientId, scope: 'openid email', response_type: 'code', nonce: 'n1', state: 's9' }],
      ['oidc', { client_id: INSTALL.clientId, scope: 'openid', state: 's10' }],
      ['oidc', { client_id: INSTALL.clientId, scope: 'openid', response_type: 'token', state: 's11' }],
      ['oidc', { client_id: INSTALL.clientId, scope: 'openid,chat:write', response_type: 'code', state: 's12' }],
      ['oidc', { client_id: INSTALL.clientId, scope: 'email', response_type: 'code' }],
    ];
    for (const [flow, params] of cases) {
      const browser = new FlowClient(t.url);
      const viaBrowser = await consent(browser, link(flow, params), { team: 'T0ACME0001' });
      const headless = await t.install({ authorizeUrl: link(flow, params), user: 'U0ALICE001' });
      assert.deepEqual(seen(headless.redirectUrl), seen(new URL(viaBrowser.location, t.url).href), `${flow} ${new URLSearchParams(params)}`);
    }
  });

  test('a request that cannot reach the app throws, as the page would stop on an error page', async () => {
    const refused = async (request: Parameters<TestTessera['install']>[0], code: string) => {
      await assert.rejects(t.install(request), (e: unknown) => e instanceof InstallError && e.code === code, `${code}: ${JSON.stringify(request)}`);
    };
    await refused({ authorizeUrl: link('v2', { client_id: '999.999', scope: 'chat:write', redirect_uri: 'https://evil.example/cb' }) }, 'invalid_client_id');
    await refused({ authorizeUrl: link('v2', { client_id: INSTALL.clientId, scope: 'chat:write', redirect_uri: 'https://evil.example/cb' }) }, 'bad_redirect_uri');
    await refused({ app: 'A0INST0001', redirectUri: 'https://app.example.com/bar' }, 'bad_redirect_uri');
    await refused({ app: 'A0NOPE0001' }, 'invalid_client_id');
    await refused({ authorizeUrl: `${t.authorizeUrl}?client_id=${INSTALL.clientId}&scope=chat:write&scope=team:read` }, 'invalid_arguments');
    await refused({ authorizeUrl: `${t.url}/oauth/elsewhere?client_id=${INSTALL.clientId}` }, 'invalid_arguments');
    await refused({ authorizeUrl: `${t.url}/__proto__?client_id=${INSTALL.clientId}` }, 'invalid_arguments');
    await refused({ app: 'A0INST0001', flow: 'toString' as 'v2' }, 'invalid_arguments');
    await refused({ authorizeUrl: link('v2', { client_id: INSTALL.clientId, scope: 'chat:write' }), app: 'A0INST0001' }, 'invalid_arguments');
    await refused({ app: 'A0INST0001', user: 'U0NOBODY01' }, 'user_not_found');
    await refused({ app: 'A0INST0001', user: 'U0DAVE0001' }, 'account_inactive');
    await refused({ app: 'A0INST0001', user: 'U0ALICE001', team: 'T0BETA0001' }, 'user_not_in_team');
    await refused({ app: 'A0INST0001', scopes: ['incoming-webhook'], user: 'U0ALICE001', channel: 'G0SECRET01' }, 'channel_not_found');
  });

  test('exchange: the Web API answer; its tokens work with @slack/web-api', async () => {
    const v2 = await t.install({ app: 'A0INST0001', scopes: ['chat:write', 'team:read'], userScopes: ['search:read'], user: 'U0BOB00001', exchange: true });
    assert.equal(v2.ok, true, JSON.stringify(v2));
    assert.equal(v2['token_type'], 'bot');
    assert.equal((v2['authed_user'] as { id: string }).id, 'U0BOB00001');
    const bot = await new WebClient(v2['access_token'] as string, { slackApiUrl: t.apiUrl }).auth.test();
    assert.equal(bot.team_id, 'T0ACME0001');

    const classic = await t.install({ app: 'A0CLAS0001', scopes: 'bot,channels:read', exchange: true });
    assert.equal(classic.ok, true, JSON.stringify(classic));
    assert.match(classic['access_token'] as string, /^xoxp-/);
    assert.equal(classic['user_id'], 'U0ALICE001', 'by default the workspace owner consents');
    assert.match((classic['bot'] as { bot_access_token: string }).bot_access_token, /^xoxb-/);

    const rotating = await t.install({ app: 'A0ROTA0001', exchange: true });
    assert.match(rotating['access_token'] as string, /^xoxe\.xoxb-/);
    assert.match(rotating['refresh_token'] as string, /^xoxe-1-/);
    assert.equal(rotating['expires_in'], 43200);

    const denied = await t.install({ app: 'A0INST0001', scopes: ['no:such'], exchange: true });
    assert.deepEqual(denied, { ok: false, error: 'invalid_scope' });
    const wrongSecret = await t.install({ app: 'A0INST0001', exchange: true, clientSecret: 'not-it' });
    assert.deepEqual(wrongSecret, { ok: false, error: 'bad_client_secret' });
  });

  test('Sign in with Slack: openid.connect.token answers with an ID token for the member, signed, with the nonce', async () => {
    const answer = await t.install({ app: 'A0INST0001', flow: 'oidc', user: 'U0BOB00001', nonce: 'nonce-42', exchange: true });
    assert.equal(answer.ok, true, JSON.stringify(answer));
    assert.equal(answer['token_type'], 'Bearer');
    assert.match(answer['access_token'] as string, /^xoxp-/);
    const keys = createRemoteJWKSet(new URL(`${t.url}/openid/connect/keys`));
    const { payload } = await jwtVerify(answer['id_token'] as string, keys, { issuer: t.url, audience: INSTALL.clientId });
    assert.equal(payload.sub, 'U0BOB00001');
    assert.equal(payload['nonce'], 'nonce-42');
    assert.equal(payload['email'], 'bob@acme.test');
    assert.ok(Math.abs((payload['auth_time'] as number) - Date.now() / 1000) < 60, 'consent given now is a sign-in now');
    const link = await t.install({ authorizeUrl: `${t.url}/openid/connect/authorize?client_id=${INSTALL.clientId}&scope=openid&response_type=code&state=st`, user: 'U0ALICE001' });
    assert.equal(link.flow, 'oidc');
    assert.equal(link.state, 'st');
    assert.ok(link.code);
  });

  test('the redirect carries a code the app exchanges itself, once', async () => {
    const redirect: InstallRedirect = await t.install({ app: 'A0INST0001', scopes: ['chat:write'], state: 'xyz' });
    assert.equal(redirect.error, null);
    assert.equal(redirect.state, 'xyz');
    assert.equal(new URL(redirect.redirectUrl).searchParams.get('code'), redirect.code);
    assert.equal(redirect.redirectUrl.split('?')[0], 'http://localhost:3000/slack/oauth_redirect', "the app's first Redirect URL");
    const client = new WebClient(undefined, { slackApiUrl: t.apiUrl });
    const answer = await client.oauth.v2.access({ client_id: INSTALL.clientId, client_secret: INSTALL.clientSecret, code: redirect.code! });
    assert.equal(answer.ok, true);
    await assert.rejects(client.oauth.v2.access({ client_id: INSTALL.clientId, client_secret: INSTALL.clientSecret, code: redirect.code! }), /code_already_used/);
  });

  test('the member chooses: Cancel, another member, the webhook channel; PKCE as in the browser', async () => {
    const cancelled = await t.install({ app: 'A0INST0001', state: 'st', cancel: true });
    assert.deepEqual(seen(cancelled.redirectUrl), { target: 'http://localhost:3000/slack/oauth_redirect', error: 'access_denied', state: 'st', code: null });

    const first = await t.install({ app: 'A0INST0001', scopes: ['incoming-webhook'], user: 'U0BOB00001', exchange: true });
    assert.equal((first['incoming_webhook'] as { channel_id: string }).channel_id, 'C0GENERAL1', 'the first channel the member may choose');
    const secret = await t.install({ app: 'A0INST0001', scopes: ['incoming-webhook'], user: 'U0BOB00001', channel: 'G0SECRET01', exchange: true });
    assert.equal((secret['incoming_webhook'] as { channel_id: string }).channel_id, 'G0SECRET01', 'a private channel of the member');

    const verifier = 'a-code-verifier-that-is-long-enough-to-be-valid-0123456789';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const withPkce = await t.install({ app: 'A0INST0001', scopes: ['chat:write'], codeChallenge: challenge, exchange: true, codeVerifier: verifier });
    assert.equal(withPkce.ok, true, JSON.stringify(withPkce));
    const withoutVerifier = await t.install({ app: 'A0INST0001', scopes: ['chat:write'], codeChallenge: challenge, exchange: true });
    assert.deepEqual(withoutVerifier, { ok: false, error: 'invalid_code_verifier' });
  });

  test('an install is in the audit log, marked headless', async () => {
    await t.install({ app: 'A0PRIV0001', exchange: true });
    const answer = await fetch(`${t.url}/admin/api/audit?app_id=A0PRIV0001&event=consent_given`, { headers: { authorization: `Bearer ${t.adminToken}` } });
    const { events } = (await answer.json()) as { events: Array<{ details: Record<string, unknown> }> };
    assert.equal(events.length, 1, JSON.stringify(events));
    assert.equal(events[0]!.details['headless'], true);
  });
});
