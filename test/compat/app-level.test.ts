import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WebClient, type WebAPICallResult } from '@slack/web-api';
import { ADMIN_TOKEN } from '../helpers/clock.ts';
import { standardFixture, type StandardTokens } from '../helpers/fixture.ts';
import { ENGINES, rawCall, startServer, type TestServer } from '../helpers/server.ts';

/** App-level tokens (slack-compat.md §1, §4): apps.connections.open and apps.event.authorizations.list. */
for (const engine of ENGINES) {
  describe(`app-level tokens (${engine})`, () => {
    let server: TestServer;
    let tokens: StandardTokens;
    const as = (token?: string) => new WebClient(token, { slackApiUrl: server.apiUrl, retryConfig: { retries: 0 }, timeout: 10_000 });
    const failure = async (call: Promise<WebAPICallResult>): Promise<Record<string, unknown>> => {
      try {
        await call;
      } catch (error) {
        return (error as { data?: Record<string, unknown> }).data ?? { error: String(error) };
      }
      assert.fail('the call succeeded');
    };
    const eventContext = async (appId: string, teamId: string): Promise<string> => {
      const answer = await rawCall(`${server.url}/admin/api/event_context`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ app_id: appId, team_id: teamId }),
      });
      assert.equal(answer.json['ok'], true, answer.text);
      return answer.json['event_context'] as string;
    };

    before(async () => {
      const made = standardFixture();
      tokens = made.tokens;
      server = await startServer(engine, made.fixture, { adminToken: ADMIN_TOKEN });
    });
    after(() => server.close());

    test('apps.connections.open answers a single-use ws:// URL on Tessera for the app', async () => {
      const first = await as(tokens.app).apps.connections.open();
      const url = new URL(first.url!);
      assert.equal(url.protocol, 'ws:');
      assert.equal(url.host, new URL(server.url).host);
      assert.equal(url.pathname, '/link/');
      assert.equal(url.searchParams.get('app_id'), 'A0DEMO0001');
      assert.ok((url.searchParams.get('ticket') ?? '').length >= 32);
      const second = await as(tokens.app).apps.connections.open();
      assert.notEqual(second.url, first.url, 'each call gets its own ticket');
    });

    test('app-level methods take the token from the header only, and only an app-level token with the scope', async () => {
      const inBody = await rawCall(`${server.apiUrl}apps.connections.open`, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${tokens.app}` });
      assert.equal(inBody.json['error'], 'not_authed');
      assert.equal((await failure(as(tokens.bot).apps.connections.open()))['error'], 'not_allowed_token_type');
      assert.equal((await failure(as(tokens.user).apps.event.authorizations.list({ event_context: 'x' })))['error'], 'not_allowed_token_type');
      // An app-level token is good for nothing else either.
      assert.equal((await failure(as(tokens.app).team.info()))['error'], 'not_allowed_token_type');
    });

    test('apps.event.authorizations.list: the installations an event is visible to, paged by cursor', async () => {
      const context = await eventContext('A0DEMO0001', 'T0ACME0001');
      const all = await as(tokens.app).apps.event.authorizations.list({ event_context: context });
      const authorizations = all.authorizations as Array<Record<string, unknown>>;
      assert.deepEqual(
        authorizations.map((a) => `${a['team_id']}:${a['user_id']}:${a['is_bot']}`).sort(),
        ['T0ACME0001:U0ALICE001:false', `T0ACME0001:${authorizations.find((a) => a['is_bot'])!['user_id']}:true`].sort(),
        'the bot and the member who installed; not the deactivated member',
      );
      for (const a of authorizations) {
        assert.equal(a['enterprise_id'], null);
        assert.equal(a['is_enterprise_install'], false);
      }
      const paged: unknown[] = [];
      for await (const page of as(tokens.app).paginate('apps.event.authorizations.list', { event_context: context, limit: 1 })) {
        paged.push(...((page as unknown as { authorizations: unknown[] }).authorizations));
      }
      assert.deepEqual(paged, authorizations);
    });

    test('apps.event.authorizations.list refuses forged contexts, other apps and bad cursors', async () => {
      const context = await eventContext('A0DEMO0001', 'T0ACME0001');
      const forged = context.slice(0, -3) + (context.endsWith('AAA') ? 'BBB' : 'AAA');
      assert.equal((await failure(as(tokens.app).apps.event.authorizations.list({ event_context: forged })))['error'], 'invalid_event_context');
      assert.equal((await failure(as(tokens.app).apps.event.authorizations.list({ event_context: 'not-a-context' })))['error'], 'invalid_event_context');
      const other = await eventContext('A0ROTA0001', 'T0ACME0001');
      assert.equal((await failure(as(tokens.app).apps.event.authorizations.list({ event_context: other })))['error'], 'auth_mismatch');
      assert.equal((await failure(as(tokens.app).apps.event.authorizations.list({ event_context: context, cursor: 'bm9wZQ' })))['error'], 'invalid_cursor');
      const missing = await rawCall(`${server.url}/admin/api/event_context`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ app_id: 'A0WORK0001', team_id: 'T0BETA0001' }),
      });
      assert.equal(missing.status, 404);
    });

    test('scopes of an app-level token are checked: a token without connections:write is refused', async () => {
      const limited = await server.tessera.store.appLevel.issueToken('A0DEMO0001', ['authorizations:read'], server.tessera.clock.now());
      assert.equal(typeof limited, 'string');
      const refused = await failure(as(limited as string).apps.connections.open());
      assert.equal(refused['error'], 'missing_scope');
      assert.equal(refused['needed'], 'connections:write');
      assert.equal(refused['provided'], 'authorizations:read');
      await as(limited as string).auth.revoke();
      assert.equal((await failure(as(limited as string).auth.test()))['error'], 'token_revoked');
      assert.equal((await as(tokens.app).auth.test()).app_id, 'A0DEMO0001', "revoking one app-level token leaves the app's others");
    });
  });
}
