import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { rawCall, rawSocket, startServer, type TestServer } from '../helpers/server.ts';
import { standardFixture, type StandardTokens } from '../helpers/fixture.ts';

/**
 * However malformed a request is, the answer is Slack's envelope (or, for broken HTTP, a bare 4xx from the
 * parser): never a 500, a hang, a crash or a stack trace. One test for each class of bad input.
 */
describe('hostile input to /api', () => {
  let server: TestServer;
  let tokens: StandardTokens;
  before(async () => {
    const made = standardFixture();
    tokens = made.tokens;
    server = await startServer('sqlite', made.fixture, { bodyTimeoutMs: 500 });
  });
  after(() => server.close());

  const assertEnvelope = (r: { status: number; json: Record<string, unknown>; text: string }, what: string) => {
    assert.ok(r.status === 200 || r.status === 429, `${what}: HTTP ${r.status}`);
    assert.equal(typeof r.json['ok'], 'boolean', `${what}: ${r.text.slice(0, 200)}`);
    assert.doesNotMatch(r.text, /\bat .+:\d+:\d+/, `${what}: a stack trace`);
  };

  test('huge bodies: declared or streamed past the limit answer request_too_large', async () => {
    const big = await rawCall(`${server.apiUrl}auth.test`, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=' + 'x'.repeat(2 * 1024 * 1024) });
    assert.deepEqual(big.json, { ok: false, error: 'request_too_large' });
    const declared = await rawSocket(server.url, 'POST /api/auth.test HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 999999999999\r\n\r\n{', { waitMs: 3_000 });
    assert.match(declared, /^HTTP\/1\.1 200/);
    assert.match(declared, /"error":"request_too_large"/);
    const chunked = await rawSocket(server.url, `POST /api/auth.test HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n${'100000\r\n' + 'y'.repeat(0x100000) + '\r\n'}${'100000\r\n' + 'y'.repeat(0x100000) + '\r\n'}`, { waitMs: 3_000 });
    assert.match(chunked, /"error":"request_too_large"/);
  });

  test('bad encodings: invalid UTF-8, a wrong charset, binary garbage', async () => {
    const cases: Array<[Record<string, string>, Buffer, string]> = [
      [{ 'content-type': 'application/x-www-form-urlencoded' }, Buffer.from([0x61, 0x3d, 0xc3, 0x28]), 'invalid_form_data'],
      [{ 'content-type': 'application/json; charset=utf-8' }, Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), 'invalid_json'],
      [{ 'content-type': 'application/json; charset=klingon' }, Buffer.from('{}'), 'invalid_charset'],
      [{ 'content-type': 'application/octet-stream' }, Buffer.from([0, 1, 2, 3, 255]), 'invalid_post_type'],
      [{ 'content-type': 'multipart/form-data; boundary=zz' }, Buffer.from([0, 1, 2, 3, 255]), 'invalid_form_data'],
    ];
    for (const [headers, body, error] of cases) {
      const r = await rawCall(`${server.apiUrl}auth.test`, { headers, body });
      assertEnvelope(r, error);
      assert.equal(r.json['error'], error);
    }
  });

  test('deep JSON is refused quickly, without recursion', async () => {
    const depth = 200_000;
    const r = await rawCall(`${server.apiUrl}auth.test`, { headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"a":' + '['.repeat(depth) + ']'.repeat(depth) + '}' });
    assert.deepEqual(r.json, { ok: false, error: 'invalid_json' });
  });

  test('odd headers: oversized, duplicated, malformed, lower-case schemes', async () => {
    const oversized = await rawSocket(server.url, `GET /api/auth.test HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`, { waitMs: 3_000 });
    assert.match(oversized, /^HTTP\/1\.1 431/);
    const twoTokens = await rawSocket(server.url, `GET /api/auth.test HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${tokens.user}\r\nAuthorization: Bearer ${tokens.bot}\r\nConnection: close\r\n\r\n`, { waitMs: 3_000 });
    assert.match(twoTokens, /^HTTP\/1\.1 200/);
    const weirdType = await rawCall(`${server.apiUrl}auth.test`, { headers: { 'content-type': ';;;=;charset', authorization: `Bearer ${tokens.user}` }, body: 'x' });
    assertEnvelope(weirdType, 'weird content-type');
    assert.equal(weirdType.json['error'], 'invalid_post_type');
    const basic = await rawCall(`${server.apiUrl}auth.test`, { headers: { authorization: 'Basic Zm9vOmJhcg==' } });
    assert.equal(basic.json['error'], 'not_authed');
    const broken = await rawSocket(server.url, 'GARBAGE\r\n\r\n', { waitMs: 3_000 });
    assert.match(broken, /^HTTP\/1\.1 400/);
    const badMethodPath = await rawCall(`${server.apiUrl}auth.test%00/../x`, { method: 'GET' });
    assert.equal(badMethodPath.json['error'], 'unknown_method');
  });

  test('slow clients: a body that never finishes is answered, not waited on', async () => {
    const started = Date.now();
    const slow = await rawSocket(server.url, 'POST /api/auth.test HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 50\r\n\r\nto', { waitMs: 5_000 });
    assert.match(slow, /"error":"request_timeout"/);
    assert.ok(Date.now() - started < 4_000);
  });

  test('random requests (property-based): always an envelope, and the server lives on', async () => {
    const contentType = fc.oneof(
      fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'application/json; charset=utf-8', 'multipart/form-data; boundary=b', 'text/plain', 'text/html', 'application/x-www-form-urlencoded; charset=latin1'),
      fc.string({ maxLength: 40 }).filter((s) => !/[\r\n]/.test(s) && /^[\x20-\x7e]*$/.test(s)),
    );
    const body = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
      fc.json({ maxDepth: 4 }),
      fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), { maxKeys: 6 }).map((d) => new URLSearchParams(d).toString()),
    );
    const method = fc.constantFrom('auth.test', 'auth.revoke', 'team.info', 'nope', 'auth.test.x');
    const auth = fc.constantFrom(undefined, `Bearer ${tokens.legacy}`, 'Bearer xoxb-1-2-3', 'Bearer ', 'Basic x');
    await fc.assert(
      fc.asyncProperty(method, contentType, body, auth, fc.string({ maxLength: 30 }), async (m, type, payload, authorization, query) => {
        const headers: Record<string, string> = { 'content-type': type };
        if (authorization) headers['authorization'] = authorization;
        // auth.revoke would end the token the other runs use: only ever in test mode.
        const q = m === 'auth.revoke' ? 'test=true' : encodeURIComponent(query);
        const r = await rawCall(`${server.apiUrl}${m}?${q}`, { headers, body: payload });
        assertEnvelope(r, `${m} ${type}`);
      }),
      { numRuns: 150 },
    );
    const health = await rawCall(`${server.url}/healthz`, { method: 'GET' });
    assert.equal(health.status, 200);
  });
});
