import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { installFixture } from '../helpers/fixture.ts';
import { FlowClient, hidden } from '../helpers/flow.ts';
import { rawCall, startServer, type TestServer } from '../helpers/server.ts';

const PARAMS: Record<string, string> = { team: 'T0ACME0001', user: 'U0BOB00001', app: 'A0INST0001', id: 'I0NOTREAL1', installation: 'I0NOTREAL1' };

/** Issue 8: members without admin rights reach no admin page and no admin API route; nor does anyone signed out. */
describe('the console and admin API refuse everyone but admins', () => {
  let server: TestServer;
  let routes: Array<{ method: string; path: string; api: boolean }>;
  before(async () => {
    server = await startServer('sqlite', installFixture());
    routes = server.tessera.routes
      .filter((r) => r.url.startsWith('/admin') && r.url !== '/admin/token')
      .map((r) => ({ method: r.method, path: r.url.replace(/:(\w+)/g, (_, name: string) => PARAMS[name] ?? 'X'), api: r.url.startsWith('/admin/api/') }));
  });
  after(() => server.close());

  const cookieOf = (c: FlowClient) => [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ');

  test('every admin route is covered', () => {
    assert.ok(routes.length >= 40, `found ${routes.length} admin routes`);
    for (const needed of ['GET /admin', 'GET /admin/apps/A0INST0001', 'POST /admin/apps/A0INST0001/tokens/revoke', 'POST /admin/api/clock', 'GET /admin/api/openapi.json', 'POST /admin/api/tokens/revoke']) {
      assert.ok(routes.some((r) => `${r.method} ${r.path}` === needed), `${needed} is registered`);
    }
  });

  test('a signed-in member who is not an owner or admin: 403 on every page and API route, even with their CSRF token', async () => {
    const bob = new FlowClient(server.url);
    await bob.signIn('bob@acme.test', 'bob-password');
    const csrf = hidden((await bob.get('/login')).body, 'csrf')!;
    for (const r of routes) {
      const answer = r.api
        ? await rawCall(`${server.url}${r.path}`, { method: r.method, headers: { cookie: cookieOf(bob), 'content-type': 'application/json' }, body: r.method === 'GET' || r.method === 'DELETE' ? undefined : '{}' })
        : r.method === 'GET'
          ? await bob.get(r.path)
          : await bob.request(r.method, r.path, { csrf, id: 'x', role: 'owner', name: 'x', team_id: 'T0ACME0001' });
      assert.equal(answer.status, 403, `${r.method} ${r.path} answered ${answer.status}`);
    }
  });

  test('signed out: pages send the browser to sign in; the API answers not_authed; a wrong admin token is invalid_auth', async () => {
    const stranger = new FlowClient(server.url);
    for (const r of routes) {
      if (r.api) {
        const answer = await rawCall(`${server.url}${r.path}`, { method: r.method, headers: { 'content-type': 'application/json' }, body: r.method === 'GET' || r.method === 'DELETE' ? undefined : '{}' });
        assert.equal(answer.status, 401, `${r.method} ${r.path}`);
        assert.equal(answer.json['error'], 'not_authed');
        const wrong = await rawCall(`${server.url}${r.path}`, { method: r.method, headers: { authorization: 'Bearer not-the-admin-token', 'content-type': 'application/json' }, body: r.method === 'GET' || r.method === 'DELETE' ? undefined : '{}' });
        assert.equal(wrong.json['error'], 'invalid_auth', `${r.method} ${r.path}`);
      } else {
        const answer = r.method === 'GET' ? await stranger.get(r.path) : await stranger.request(r.method, r.path, { csrf: 'x' });
        assert.equal(answer.status, 302, `${r.method} ${r.path}`);
        assert.match(answer.location ?? '', /^\/login\?next=/);
      }
    }
  });

  test('an owner reaches every page; a console form without its CSRF token is refused', async () => {
    const alice = new FlowClient(server.url);
    await alice.signIn('alice@acme.test', 'alice-password');
    for (const r of routes.filter((x) => x.method === 'GET' && !x.api && !x.path.includes('X'))) {
      const answer = await alice.get(r.path);
      assert.equal(answer.status, 200, `${r.path} answered ${answer.status}`);
      assert.equal(answer.headers['x-frame-options'], 'DENY');
      assert.match(String(answer.headers['content-security-policy']), /frame-ancestors 'none'/);
    }
    const forged = await alice.post('/admin/members/U0BOB00001/role', { role: 'owner' });
    assert.equal(forged.status, 403);
    const wrong = await alice.post('/admin/members/U0BOB00001/role', { role: 'owner', csrf: 'forged' });
    assert.equal(wrong.status, 403);
    const members = await server.tessera.store.console.members('T0ACME0001');
    assert.equal(members.find((m) => m.id === 'U0BOB00001')!.role, 'member', 'nothing changed');
  });
});
