import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { clientOf, installFixture, REDIRECT } from '../helpers/fixture.ts';
import { consent, FlowClient } from '../helpers/flow.ts';
import { run, serve } from '../helpers/processes.ts';

const APP = clientOf('A0INST0001');

/**
 * `tessera keys rotate` against a running server on the same database: the server signs with the new key at once,
 * without a restart, and publishes the old one beside it until the ID tokens it signed have expired.
 */
describe('tessera keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-keys-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('rotate while serving: old and new ID tokens both verify; list shows which key signs', async () => {
    const fixture = join(dir, 'fixture.json');
    writeFileSync(fixture, JSON.stringify(installFixture()));
    const db = join(dir, 'tessera.db');
    const server = await serve(['--db', db, '--seed', fixture]);
    try {
      const jwks = async (): Promise<JSONWebKeySet> => (await (await fetch(`${server.url}/openid/connect/keys`, { signal: AbortSignal.timeout(5_000) })).json()) as JSONWebKeySet;
      const browser = new FlowClient(server.url);
      const signIn = async (): Promise<string> => {
        const { location } = await consent(browser, `/openid/connect/authorize?${new URLSearchParams({ response_type: 'code', client_id: APP.clientId, scope: 'openid', redirect_uri: REDIRECT })}`, { email: 'bob@acme.test', password: 'bob-password' });
        const code = new URL(location).searchParams.get('code')!;
        const answer = await fetch(`${server.url}/api/openid.connect.token`, { method: 'POST', body: new URLSearchParams({ client_id: APP.clientId, client_secret: APP.clientSecret, code, redirect_uri: REDIRECT }), signal: AbortSignal.timeout(5_000) });
        const body = (await answer.json()) as { ok: boolean; id_token: string; error?: string };
        assert.equal(body.ok, true, body.error);
        return body.id_token;
      };

      const first = await jwks();
      assert.equal(first.keys.length, 1, 'the first start made one key');
      const oldKid = first.keys[0]!.kid!;
      const before = await signIn();
      assert.equal(decodeProtectedHeader(before).kid, oldKid);
      const listed = await run(['keys', 'list', '--db', db]);
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, new RegExp(`^${oldKid}  RS256  created \\S+  active\\n$`));

      const rotated = await run(['keys', 'rotate', '--db', db]);
      assert.equal(rotated.code, 0, rotated.stderr);
      const newKid = /^new signing key: (\S+)/.exec(rotated.stdout)?.[1];
      assert.ok(newKid && newKid !== oldKid, rotated.stdout);
      assert.match(rotated.stdout, new RegExp(`retired: +${oldKid} \\(published until \\d{4}-\\d\\d-\\d\\dT`));
      assert.doesNotMatch(rotated.stdout + rotated.stderr, /PRIVATE KEY/);

      const after = await signIn();
      assert.equal(decodeProtectedHeader(after).kid, newKid, 'the running server signs with the new key');
      const during = await jwks();
      assert.deepEqual(during.keys.map((k) => k.kid), [newKid, oldKid]);
      for (const token of [before, after]) await jwtVerify(token, createLocalJWKSet(during), { issuer: server.url, audience: APP.clientId });

      const relisted = await run(['keys', 'list', '--db', db]);
      assert.match(relisted.stdout, new RegExp(`^${newKid}  RS256  created \\S+  active\\n${oldKid}  RS256  created \\S+  retired, published until \\S+\\n$`));
      const bad = await run(['keys', 'spin', '--db', db]);
      assert.equal(bad.code, 1);
      assert.equal(bad.stderr, 'tessera: usage: tessera keys rotate | keys list\n');
    } finally {
      await server.stop();
    }
  });
});
