import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WebClient } from '@slack/web-api';
import { clientOf, installFixture } from '../helpers/fixture.ts';
import { rawCall, startServer, type TestServer } from '../helpers/server.ts';

const ADMIN = 'admin-token-for-the-install-tests';

/** Issue 10, item 4: the headless install over HTTP, for suites in other languages. */
describe('POST /admin/api/install', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer('sqlite', installFixture(), { adminToken: ADMIN });
  });
  after(() => server.close());

  const install = (body: unknown, token = ADMIN) =>
    rawCall(`${server.url}/admin/api/install`, { headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  test('answers the redirect with its code, which the app exchanges', async () => {
    const r = await install({ app_id: 'A0INST0001', scopes: ['chat:write', 'team:read'], user_id: 'U0BOB00001', state: 'st-1' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json['ok'], true);
    assert.equal(r.json['error'], null);
    assert.equal(r.json['state'], 'st-1');
    assert.equal(r.json['user_id'], 'U0BOB00001');
    const redirect = new URL(r.json['redirect_url'] as string);
    assert.equal(`${redirect.origin}${redirect.pathname}`, 'http://localhost:3000/slack/oauth_redirect');
    assert.equal(redirect.searchParams.get('code'), r.json['code']);
    const { clientId, clientSecret } = clientOf('A0INST0001');
    const answer = await new WebClient(undefined, { slackApiUrl: server.apiUrl }).oauth.v2.access({ client_id: clientId, client_secret: clientSecret, code: r.json['code'] as string });
    assert.equal(answer.authed_user?.id, 'U0BOB00001');
  });

  test('with exchange, the oauth.v2.access answer itself; the authorize link works as in-process', async () => {
    const link = `${server.url}/oauth/v2/authorize?client_id=${clientOf('A0ROTA0001').clientId}&scope=chat:write&state=s`;
    const r = await install({ authorize_url: link, exchange: true });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json['ok'], true);
    assert.match(r.json['access_token'] as string, /^xoxe\.xoxb-/);
    assert.equal(r.json['expires_in'], 43200);
    const classic = await install({ client_id: clientOf('A0CLAS0001').clientId, flow: 'v1', scopes: 'bot', exchange: true });
    assert.match(classic.json['access_token'] as string, /^xoxp-/, classic.text);
    const signIn = await install({ app_id: 'A0INST0001', flow: 'oidc', nonce: 'n', exchange: true });
    assert.equal(signIn.json['token_type'], 'Bearer', signIn.text);
    assert.match(signIn.json['id_token'] as string, /^ey[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  test('an OAuth error comes back in the redirect, as the app would see it', async () => {
    const r = await install({ app_id: 'A0INST0001', scopes: ['no:such'], state: 'keep me' });
    assert.equal(r.status, 200);
    assert.equal(r.json['error'], 'invalid_scope');
    assert.equal(r.json['code'], null);
    assert.equal(new URL(r.json['redirect_url'] as string).searchParams.get('state'), 'keep me');
    const cancelled = await install({ app_id: 'A0INST0001', cancel: true });
    assert.equal(cancelled.json['error'], 'access_denied');
  });

  test('refusals: 400 with the reason, never a half-made install; 401 without the admin token', async () => {
    for (const [body, error] of [
      [{ app_id: 'A0NOPE0001' }, 'invalid_client_id'],
      [{ app_id: 'A0INST0001', redirect_uri: 'https://evil.example/' }, 'bad_redirect_uri'],
      [{ app_id: 'A0INST0001', user_id: 'U0DAVE0001' }, 'account_inactive'],
      [{ app_id: 'A0INST0001', usr_id: 'U0ALICE001' }, 'invalid_arguments'],
      [JSON.parse('{"app_id": "A0INST0001", "__proto__": {"exchange": true}}'), 'invalid_arguments'],
      [{ app_id: 'A0INST0001', toString: 'x' }, 'invalid_arguments'],
      [{ app_id: 'A0INST0001', client_id: '1.2' }, 'invalid_arguments'],
      [{ app_id: 'A0INST0001', exchange: 'yes' }, 'invalid_arguments'],
      [{ app_id: 'A0INST0001', scopes: [1] }, 'invalid_arguments'],
      [[], 'invalid_arguments'],
    ] as const) {
      const r = await install(body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.json['error'], error, JSON.stringify(body));
      assert.equal(typeof r.json['detail'], 'string');
    }
    assert.equal((await install({ app_id: 'A0INST0001' }, 'wrong')).status, 401);
    const audit = await rawCall(`${server.url}/admin/api/audit?event=app_installed&app_id=A0INST0001`, { method: 'GET', headers: { authorization: `Bearer ${ADMIN}` } });
    assert.equal((audit.json['events'] as unknown[]).length, 1, 'only the first test installed A0INST0001');
  });
});
