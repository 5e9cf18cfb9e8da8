import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { clientOf, installFixture, REDIRECT } from '../helpers/fixture.ts';
import { FlowClient } from '../helpers/flow.ts';
import { rawCall, startServer, type TestServer } from '../helpers/server.ts';

const REGISTERED = [REDIRECT, 'https://app.example.com/path'];

/**
 * Issue 9 §4 beyond /api: random and adversarial requests to the authorize endpoints, the consent and sign-in
 * forms and the incoming-webhook endpoint. Never a 500, never a hang, and never a redirect off Tessera's host
 * except to an app's registered Redirect URL.
 */
describe('hostile input to the pages and webhooks', () => {
  let server: TestServer;
  let signedIn: FlowClient;
  let hook: string;
  before(async () => {
    server = await startServer('sqlite', installFixture(REGISTERED));
    signedIn = new FlowClient(server.url);
    await signedIn.signIn('alice@acme.test', 'alice-password');
    hook = `${server.url}/hooks/services/T0ACME0001/W0NOPE0001/secretsecretsecret`;
  });
  after(() => server.close());

  const leavesSafely = (location: string | undefined): boolean => {
    if (location === undefined) return true;
    if (location.startsWith('/') && !location.startsWith('//')) return true;
    return REGISTERED.some((r) => location.startsWith(r.replace(/\/[^/]*$/, '/')) || location.startsWith(r));
  };

  const queryValue = fc.oneof(
    fc.string({ maxLength: 60 }),
    fc.constantFrom(clientOf('A0INST0001').clientId, clientOf('A0PRIV0001').clientId, REDIRECT, `${REDIRECT}/sub`, 'https://evil.example/cb', '//evil.example', 'javascript:alert(1)', 'chat:write', 'bot', 'identify', 'S256', 'plain', 'T0BETA0001', '%00', '\u202e'),
  );
  const queryKey = fc.constantFrom('client_id', 'scope', 'user_scope', 'redirect_uri', 'state', 'team', 'code_challenge', 'code_challenge_method', 'x');

  test('authorize endpoints: any query, signed in or not', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/oauth/authorize', '/oauth/v2/authorize'), fc.array(fc.tuple(queryKey, queryValue), { maxLength: 8 }), fc.boolean(), async (path, pairs, withSession) => {
        const query = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
        const browser = withSession ? signedIn : new FlowClient(server.url);
        const answer = await browser.get(`${path}?${query}`);
        assert.ok(answer.status < 500, `HTTP ${answer.status} for ${path}?${query}`);
        assert.ok(leavesSafely(answer.location), `redirected off-site to ${answer.location}`);
        assert.equal(answer.headers['x-frame-options'], 'DENY');
      }),
      { numRuns: 150 },
    );
  });

  test('consent and sign-in forms: any fields', async () => {
    const field = fc.dictionary(fc.constantFrom('csrf', 'request', 'decision', 'team', 'channel', 'email', 'password', 'next', 'junk'), fc.string({ maxLength: 80 }), { maxKeys: 7 });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/oauth/consent', '/login', '/logout'), field, async (path, form) => {
        const answer = await signedIn.post(path, form);
        assert.ok(answer.status < 500, `HTTP ${answer.status} for ${path} ${JSON.stringify(form)}`);
        assert.ok(leavesSafely(answer.location), `redirected off-site to ${answer.location}`);
      }),
      { numRuns: 120 },
    );
    // The session survived the garbage: still signed in (no form above carried its CSRF token).
    const home = await signedIn.get('/');
    assert.match(home.body, /Alice Archer/);
  });

  test('incoming webhooks: any body, type and path', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x', ''),
        fc.oneof(fc.string({ maxLength: 200 }), fc.json({ maxDepth: 3 }), fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)), fc.constant('{"text":"x"}'), fc.constant('payload=%7B%22text%22%3A%22x%22%7D')),
        fc.constantFrom(hook, `${server.url}/hooks/services/x`, `${server.url}/hooks/services/T0ACME0001/W/../../etc`, `${server.url}/hooks/services/${'A'.repeat(500)}/B/C`),
        async (type, body, url) => {
          const answer = await rawCall(url, { headers: type ? { 'content-type': type } : {}, body });
          assert.ok(answer.status < 500, `HTTP ${answer.status}`);
          assert.ok([400, 403, 404, 405, 413, 414, 415].includes(answer.status) || answer.status === 200, `HTTP ${answer.status}`);
        },
      ),
      { numRuns: 150 },
    );
    const big = await rawCall(hook, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'x'.repeat(3 * 1024 * 1024) }) });
    assert.ok(big.status === 413 || big.status === 404 || big.status === 400, `a 3 MB webhook body: HTTP ${big.status}`);
  });
});
