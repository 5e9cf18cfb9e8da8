import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ENGINES, startServer, type TestServer } from '../helpers/server.ts';
import { clientOf, installFixture, REDIRECT } from '../helpers/fixture.ts';
import { consent, FlowClient, hidden, options } from '../helpers/flow.ts';

const APP = clientOf('A0INST0001');
const authorizeUrl = (params: Record<string, string>, flow: 'v1' | 'v2' = 'v2') => `/oauth/${flow === 'v2' ? 'v2/' : ''}authorize?${new URLSearchParams(params)}`;
const v2 = (extra: Record<string, string> = {}) => authorizeUrl({ client_id: APP.clientId, scope: 'chat:write', state: 's1', ...extra });

/** The authorize endpoints and their pages (slack-compat.md §5, §6; product.md "Pages"). */
for (const engine of ENGINES) {
  describe(`authorize endpoints (${engine})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(engine, installFixture());
    });
    after(() => server.close());
    const client = () => new FlowClient(server.url);

    test('an unknown client_id shows an error page at once, and never leaves Tessera', async () => {
      const r = await client().get(authorizeUrl({ client_id: '999.999', scope: 'chat:write', redirect_uri: 'https://evil.example/cb' }));
      assert.equal(r.status, 400);
      assert.equal(r.location, undefined);
      assert.match(r.body, /unknown client_id/);
      assert.doesNotMatch(r.body, /evil\.example/);
    });

    test("redirect_uri: the seed's GOOD/BAD table at the endpoint; a bad one never redirects", async () => {
      const registered = 'https://app.example.com/path';
      const cases: Array<[string, boolean]> = [
        [registered, true],
        ['https://app.example.com/path/subdir/other', true],
        ['http://app.example.com/path', false],
        ['https://app.example.com/bar', false],
        ['https://app.example.com/', false],
        ['https://app.example.com:8080/path', false],
        ['https://oauth.app.example.com:8080/path', false],
        ['https://app.example.org', false],
        ['https://app.example.com/path#x', false],
        ['https://app.example.com/path/../bar', false],
      ];
      for (const [redirect, good] of cases) {
        const r = await client().get(v2({ redirect_uri: redirect }));
        if (good) {
          assert.equal(r.status, 302, redirect);
          assert.match(r.location!, /^\/login\?next=/, redirect);
        } else {
          assert.equal(r.status, 400, redirect);
          assert.equal(r.location, undefined, redirect);
          assert.match(r.body, /bad_redirect_uri/);
        }
      }
    });

    test('errors after the client is known redirect with error= and the state, byte for byte', async () => {
      const state = 'a b&c=d/é?%20✓';
      const cases: Array<[Record<string, string>, string, 'v1' | 'v2']> = [
        [{ scope: 'no:such' }, 'invalid_scope', 'v2'],
        [{ scope: 'bot' }, 'invalid_scope', 'v2'],
        [{ scope: '', user_scope: 'identify' }, 'invalid_scope', 'v2'],
        [{ scope: 'emoji:read' }, 'invalid_scope', 'v2'], // known, but not one this app lists
        [{ scope: '', user_scope: 'identity.basic,search:read' }, 'invalid_scope', 'v2'],
        [{ scope: '' }, 'invalid_scope', 'v2'],
        [{ scope: 'chat:write', code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' }, 'invalid_request', 'v2'],
        [{ scope: 'chat:write', code_challenge: 'short', code_challenge_method: 'S256' }, 'invalid_request', 'v2'],
        [{ scope: '' }, 'invalid_scope', 'v1'],
      ];
      for (const [params, error, flow] of cases) {
        const r = await client().get(authorizeUrl({ client_id: APP.clientId, state, ...params }, flow));
        assert.equal(r.status, 302, JSON.stringify(params));
        const to = new URL(r.location!);
        assert.equal(`${to.origin}${to.pathname}`, REDIRECT);
        assert.equal(to.searchParams.get('error'), error, JSON.stringify(params));
        assert.equal(to.searchParams.get('state'), state);
      }
      const internal = clientOf('A0PRIV0001');
      const r = await client().get(authorizeUrl({ client_id: internal.clientId, scope: 'chat:write', team: 'T0BETA0001' }));
      assert.equal(new URL(r.location!).searchParams.get('error'), 'invalid_team_for_non_distributed_app');
    });

    test('Allow redirects with a code and the state; Cancel with access_denied', async () => {
      const c = client();
      const state = 'xyz&=é ✓';
      const allowed = await consent(c, v2({ state }), { team: 'T0ACME0001' });
      const to = new URL(allowed.location);
      assert.match(to.searchParams.get('code')!, /^[0-9A-Za-z]{40}$/);
      assert.equal(to.searchParams.get('state'), state);
      const cancelled = await consent(c, v2({ state }), { decision: 'cancel', team: 'T0ACME0001' });
      const back = new URL(cancelled.location);
      assert.equal(back.searchParams.get('error'), 'access_denied');
      assert.equal(back.searchParams.get('state'), state);
      assert.equal(back.searchParams.get('code'), null);
    });

    test('the consent page names the app and the workspace and lists bot and user scopes apart', async () => {
      const c = client();
      await c.signIn('bob@acme.test', 'bob-password');
      const page = await c.get(v2({ scope: 'chat:write,incoming-webhook', user_scope: 'search:read' }));
      assert.equal(page.status, 200);
      assert.match(page.body, /Install App is requesting permission to access the <strong>Acme<\/strong> workspace/);
      assert.match(page.body, /What Install App will be able to do as a bot<\/h2><div class="card"><ul class="scopes"><li>Send messages <code>chat:write<\/code><\/li><li>Post messages to a specific channel in Slack <code>incoming-webhook<\/code>/);
      assert.match(page.body, /What Install App will be able to do on your behalf<\/h2><div class="card"><ul class="scopes"><li>Search a workspace’s content <code>search:read<\/code>/);
      assert.match(page.body, /<button type="submit" name="decision" value="allow" class="primary">Allow<\/button>/);
      assert.match(page.body, /<button type="submit" name="decision" value="cancel">Cancel<\/button>/);
      // Bob sees public channels and the private one he is in, labelled #name with the channel id as value.
      assert.deepEqual(options(page.body, 'channel'), [
        { value: 'C0GENERAL1', label: '#general' },
        { value: 'C0RANDOM01', label: '#random' },
        { value: 'G0SECRET01', label: '#secret' },
      ]);
      assert.match(page.body, /<label for="channel">Channel<\/label>/);
      assert.equal(options(page.body, 'team').length, 0, 'one workspace: no chooser');
      assert.equal(page.headers['x-frame-options'], 'DENY');
      assert.equal(page.headers['referrer-policy'], 'no-referrer');
      assert.match(String(page.headers['content-security-policy']), /frame-ancestors 'none'/);
      assert.match(String(page.headers['content-security-policy']), /form-action 'self' http:\/\/localhost:3000/);
    });

    test('a member of two workspaces chooses one, unless `team` names one they are signed in to', async () => {
      const c = client();
      await c.signIn('alice@acme.test', 'alice-password');
      const page = await c.get(v2());
      assert.match(page.body, /<label for="team">Workspace<\/label>/);
      assert.deepEqual(options(page.body, 'team'), [
        { value: 'T0ACME0001', label: 'Acme' },
        { value: 'T0BETA0001', label: 'Beta' },
      ]);
      const named = await c.get(v2({ team: 'T0BETA0001' }));
      assert.equal(options(named.body, 'team').length, 0);
      assert.equal(hidden(named.body, 'team'), 'T0BETA0001');
      assert.match(named.body, /the <strong>Beta<\/strong> workspace/);
    });

    test('the consent form refuses a missing or wrong CSRF token, and altered hidden fields', async () => {
      const c = client();
      await c.signIn('bob@acme.test', 'bob-password');
      const page = await c.get(v2());
      const form = { csrf: hidden(page.body, 'csrf')!, request: hidden(page.body, 'request')!, team: 'T0ACME0001', decision: 'allow' };
      const { csrf: _, ...noCsrf } = form;
      assert.equal((await c.post('/oauth/consent', noCsrf)).status, 403);
      assert.equal((await c.post('/oauth/consent', { ...form, csrf: form.csrf.slice(0, -2) + 'xx' })).status, 403);
      assert.equal((await c.post('/oauth/consent', { ...form, request: 'forged-request-id' })).status, 400);
      assert.equal((await c.post('/oauth/consent', { ...form, team: 'T0BETA0001' })).status, 400, 'a workspace Bob is not signed in to');
      // Another browser cannot answer Bob's request, even with its own valid CSRF token.
      const other = client();
      await other.signIn('alice@acme.test', 'alice-password');
      const otherPage = await other.get(v2());
      const stolen = await other.post('/oauth/consent', { ...form, csrf: hidden(otherPage.body, 'csrf')! });
      assert.equal(stolen.status, 400);
      // A repeated field is a tampered form.
      const body = new URLSearchParams(form);
      body.append('team', 'T0BETA0001');
      const raw = await fetch(`${server.url}/oauth/consent`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
        body: body.toString(),
        redirect: 'manual',
      });
      assert.equal(raw.status, 400);
      // The untouched form still works, once.
      const ok = await c.post('/oauth/consent', form);
      assert.equal(ok.status, 302);
      assert.equal((await c.post('/oauth/consent', form)).status, 400, 'a request is answered once');
    });

    test('sign-in sets a hardened cookie and replaces it (no session fixation); the login form needs its CSRF token', async () => {
      const c = client();
      const page = await c.get('/login');
      const before = c.cookies.get('tessera_session');
      const setCookie = String(page.headers['set-cookie']);
      assert.match(setCookie, /HttpOnly/);
      assert.match(setCookie, /SameSite=Lax/);
      assert.doesNotMatch(setCookie, /Secure/, 'http public URL: not Secure');
      assert.equal((await c.post('/login', { email: 'bob@acme.test', password: 'bob-password', next: '/' })).status, 403);
      const signedIn = await c.post('/login', { csrf: hidden(page.body, 'csrf')!, email: 'alice@acme.test', password: 'alice-password', next: '//evil.example/x' });
      assert.equal(signedIn.status, 303);
      assert.equal(signedIn.location, '/', 'next never leaves Tessera');
      assert.notEqual(c.cookies.get('tessera_session'), before);
    });

    test('sign out ends the session', async () => {
      const c = client();
      await c.signIn('bob@acme.test', 'bob-password');
      const page = await c.get('/logout');
      assert.equal((await c.post('/logout', { csrf: hidden(page.body, 'csrf')! })).status, 303);
      assert.match((await c.get(v2())).location!, /^\/login/);
    });
    // Last: it leaves Bob's account (and this address) throttled.
    test('a deactivated member cannot sign in; a wrong password is refused; guessing is slowed down', async () => {
      const c = client();
      const dave = await c.signIn('dave@acme.test', 'dave-password');
      assert.equal(dave.status, 401);
      assert.match(dave.body, /deactivated/);
      assert.equal((await c.get(v2())).status, 302, 'still not signed in');
      const wrong = await c.signIn('bob@acme.test', 'not-bobs-password');
      assert.equal(wrong.status, 401);
      assert.match(wrong.body, /do not match/);
      const unknown = await c.signIn('nobody@acme.test', 'x');
      assert.equal(unknown.status, 401);
      let throttled = false;
      for (let i = 0; i < 6 && !throttled; i++) throttled = (await c.signIn('bob@acme.test', `guess-${i}`)).status === 429;
      assert.ok(throttled, 'repeated failures are slowed down');
      const blocked = await c.signIn('bob@acme.test', 'bob-password');
      assert.equal(blocked.status, 429, 'even the right password waits its turn');
      assert.match(String(blocked.headers['retry-after']), /^[0-9]+$/);
    });

  });
}
