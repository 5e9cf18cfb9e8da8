import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { standardFixture } from './helpers/fixture.ts';
import { run, serve } from './helpers/processes.ts';

describe('the tessera command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('bad flags: one clear line, a non-zero exit, no stack trace', async () => {
    for (const [args, message] of [
      [['serve', '--port', 'nope'], /^tessera: --port must be a number from 0 to 65535, not "nope"\n$/],
      [['serve', '--bogus'], /^tessera: Unknown option '--bogus'.*\n$/],
      [['serve', '--public-url', 'ftp://x'], /^tessera: --public-url must start with http:\/\/ or https:\/\/\n$/],
      [['serve', '--rate-limits', '9=1'], /^tessera: --rate-limits takes off, on, or tier=budget pairs/],
      [['frobnicate'], /^tessera: unknown command "frobnicate"/],
      [['seed'], /^tessera: seed takes one fixture file\n$/],
    ] as const) {
      const r = await run([...args]);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  });

  test('an unreachable database: one clear line and exit 1', async () => {
    const r = await run(['serve', '--db', 'postgres://nobody:hunter2@127.0.0.1:1/none']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^tessera: cannot reach PostgreSQL at postgres:\/\/nobody:\*\*\*@127\.0\.0\.1:1\/none: .*\n$/);
    assert.doesNotMatch(r.stderr, /hunter2/, 'the password never appears');
  });

  test('a fixture with errors: every problem named, nothing started', async () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify({ teams: [{ id: 'bad', name: 'x', domain: 'x' }], apps: 3 }));
    const r = await run(['serve', '--seed', path, '--db', join(dir, 'bad.db')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the fixture has 2 problem\(s\); nothing was loaded:\n {2}teams\[0\]\.id: .*\n {2}apps: must be a list\n$/);
    const notJson = join(dir, 'notjson.json');
    writeFileSync(notJson, '{');
    assert.match((await run(['seed', notJson])).stderr, /^tessera: fixture .*notjson\.json is not JSON/);
  });

  test('a first start creates the demo workspace and says how to sign in; the second does not', async () => {
    const db = join(dir, 'first', 'tessera.db');
    const first = await serve(['--db', db]);
    try {
      const health = await fetch(`${first.url}/healthz`, { signal: AbortSignal.timeout(5_000) });
      assert.equal(health.status, 200);
      await new Promise((r) => setTimeout(r, 100));
      assert.match(first.output(), /Sign in: +http:\/\/127\.0\.0\.1:\d+\/login/);
      assert.match(first.output(), /Email: +owner@demo\.tessera\.test/);
      assert.match(first.output(), /slackApiUrl: 'http:\/\/127\.0\.0\.1:\d+\/api\/'/);
      assert.match(first.output(), /authorizationUrl: 'http:\/\/127\.0\.0\.1:\d+\/oauth\/v2\/authorize'/);
    } finally {
      assert.equal(await first.stop(), 0);
    }
    assert.equal(statSync(join(dir, 'first', 'secret.key')).mode & 0o777, 0o600, 'the key file is private');
    const second = await serve(['--db', db]);
    await second.stop();
    assert.doesNotMatch(second.output(), /Sign in:/);
  });

  test('--seed serves only the fixture; seed loads idempotently; migrate', async () => {
    const { fixture, tokens } = standardFixture();
    const path = join(dir, 'fixture.json');
    writeFileSync(path, JSON.stringify(fixture));
    const db = join(dir, 'seeded', 'tessera.db');
    const seeded = await serve(['--db', db, '--seed', path]);
    try {
      const answer = await fetch(`${seeded.url}/api/auth.test`, { method: 'POST', headers: { authorization: `Bearer ${tokens.user}` }, signal: AbortSignal.timeout(5_000) });
      assert.equal(((await answer.json()) as { user_id: string }).user_id, 'U0ALICE001');
      assert.doesNotMatch(seeded.output(), /Sign in:/, 'no demo workspace beside a fixture');
    } finally {
      await seeded.stop();
    }
    const again = await run(['seed', path, '--db', db]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /loaded 2 teams, 4 users, 1 channels, 5 apps, 0 new tokens/);
    const migrate = await run(['migrate', '--db', db]);
    assert.equal(migrate.code, 0);
    assert.match(migrate.stdout, /up to date/);
  });
});

test('tokens config issues a config token a WebClient can use and rotate; bad members get one clear line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cli-config-'));
  try {
    const { fixture } = standardFixture();
    const path = join(dir, 'fixture.json');
    writeFileSync(path, JSON.stringify(fixture));
    const db = join(dir, 'tessera.db');
    assert.equal((await run(['seed', path, '--db', db])).code, 0);
    const issued = await run(['tokens', 'config', '--team', 'T0ACME0001', '--user', 'U0ALICE001', '--db', db]);
    assert.equal(issued.code, 0, issued.stderr);
    const token = /^token:\s+(\S+)$/m.exec(issued.stdout)?.[1];
    const refresh = /^refresh_token:\s+(\S+)$/m.exec(issued.stdout)?.[1];
    assert.match(token ?? '', /^xoxe\.xoxp-1-/);
    assert.match(refresh ?? '', /^xoxe-1-/);
    const server = await serve(['--db', db]);
    try {
      const who = await fetch(`${server.url}/api/auth.test`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5_000) });
      assert.equal(((await who.json()) as { user_id: string }).user_id, 'U0ALICE001');
      const rotated = await fetch(`${server.url}/api/tooling.tokens.rotate`, { method: 'POST', body: new URLSearchParams({ refresh_token: refresh! }), signal: AbortSignal.timeout(5_000) });
      const answer = (await rotated.json()) as { ok: boolean; exp: number; iat: number };
      assert.equal(answer.ok, true);
      assert.equal(answer.exp - answer.iat, 43_200);
      assert.doesNotMatch(server.output(), new RegExp(token!.slice(-20)), 'the token never reaches the log');
    } finally {
      await server.stop();
    }
    const deactivated = await run(['tokens', 'config', '--team', 'T0ACME0001', '--user', 'U0DAVE0001', '--db', db]);
    assert.equal(deactivated.code, 1);
    assert.equal(deactivated.stderr, 'tessera: no active member U0DAVE0001 in workspace T0ACME0001\n');
    const missing = await run(['tokens', 'config', '--db', db]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^tessera: tokens config needs --team and --user\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tokens app issues an app-level token; tokens revoke ends it (read from standard input)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cli-app-'));
  try {
    const { fixture } = standardFixture();
    const path = join(dir, 'fixture.json');
    writeFileSync(path, JSON.stringify(fixture));
    const db = join(dir, 'tessera.db');
    assert.equal((await run(['seed', path, '--db', db])).code, 0);
    const issued = await run(['tokens', 'app', '--app', 'A0DEMO0001', '--scopes', 'connections:write', '--db', db]);
    assert.equal(issued.code, 0, issued.stderr);
    const token = /^token:\s+(xapp-1-A0DEMO0001-\S+)$/m.exec(issued.stdout)?.[1];
    assert.ok(token, issued.stdout);
    const server = await serve(['--db', db]);
    try {
      const open = async () => (await (await fetch(`${server.url}/api/apps.connections.open`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5_000) })).json()) as { ok: boolean; url?: string; error?: string };
      assert.match((await open()).url ?? '', /^ws:\/\//);
      const revoked = await run(['tokens', 'revoke', '--db', db], {}, 20_000, token + '\n');
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.match(revoked.stdout, /^revoked 1 token\(s\)\n$/);
      // Another process revoked it: this server sees it within its cache's freshness (half a second).
      await new Promise((r) => setTimeout(r, 700));
      assert.equal((await open()).error, 'token_revoked');
    } finally {
      await server.stop();
    }
    const bad = await run(['tokens', 'app', '--app', 'A0DEMO0001', '--scopes', 'chat:write', '--db', db]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^tessera: not app-level scopes: chat:write/);
    const again = await run(['tokens', 'revoke', '--db', db], {}, 20_000, token + '\n');
    assert.equal(again.stderr, 'tessera: no live token matches\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
