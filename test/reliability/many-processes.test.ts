import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { idNumber, mintToken } from '../../src/domain/token-strings.ts';
import { clientOf, installFixture } from '../helpers/fixture.ts';
import { consent, FlowClient } from '../helpers/flow.ts';
import { run, serve } from '../helpers/processes.ts';
import { testDatabase } from '../helpers/server.ts';

const POSTGRES = process.env['TESSERA_TEST_POSTGRES_URL'];
const REDIS = process.env['TESSERA_TEST_REDIS_URL'];

type Answer = { ok: boolean; error?: string; [k: string]: unknown };

async function call(base: string, method: string, init: { token?: string; form?: Record<string, string> } = {}): Promise<Answer> {
  const response = await fetch(`${base}/api/${method}`, {
    method: 'POST',
    headers: init.token ? { authorization: `Bearer ${init.token}` } : {},
    body: new URLSearchParams(init.form ?? {}),
    signal: AbortSignal.timeout(10_000),
  });
  return (await response.json()) as Answer;
}

/**
 * Issue 9 §1: three processes on one PostgreSQL and one Redis behave as one system, under concurrent load.
 */
test('three processes on PostgreSQL and Redis behave as one', { skip: POSTGRES && REDIS ? false : 'needs TESSERA_TEST_POSTGRES_URL and TESSERA_TEST_REDIS_URL' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-three-'));
  const database = testDatabase('postgres');
  // A workspace of its own for each run: Redis keeps rate-limit budgets for a minute, across runs too.
  const team = `T0${randomBytes(5).toString('hex').toUpperCase()}`.slice(0, 11);
  const fixture = installFixture() as { teams: Array<Record<string, unknown>>; users: Array<Record<string, unknown>>; channels: unknown[]; tokens?: unknown[] };
  fixture.teams.push({ id: team, name: 'Shared', domain: `shared-${team.toLowerCase()}` });
  fixture.users.push({ id: 'U0SHARE001', team_id: team, name: 'sam', real_name: 'Sam Shared', email: 'sam@shared.test', password: 'sam-password', role: 'owner' });
  const bot = mintToken('bot', [idNumber(team), '1']);
  const user = mintToken('user', [idNumber(team), idNumber('U0SHARE001'), '1']);
  const rotating = mintToken('rotating_bot', [idNumber(team), '2']);
  const refresh = mintToken('refresh', [idNumber(team)]);
  fixture.tokens = [
    { kind: 'bot', app_id: 'A0INST0001', team_id: team, token: bot },
    { kind: 'user', app_id: 'A0INST0001', team_id: team, user_id: 'U0SHARE001', token: user },
    { kind: 'bot', app_id: 'A0ROTA0001', team_id: team, token: rotating, refresh_token: refresh },
  ];
  writeFileSync(join(dir, 'fixture.json'), JSON.stringify(fixture));
  const env = { TESSERA_SECRET_KEY: 'three', TESSERA_REDIS_URL: REDIS!, TESSERA_RATE_LIMITS: '2=9,3=6,4=1000,special=100000' };
  assert.equal((await run(['seed', join(dir, 'fixture.json'), '--db', database.spec], env)).code, 0);
  const servers = await Promise.all([0, 1, 2].map(() => serve(['--db', database.spec], env)));
  const urls = servers.map((s) => s.url);
  let loading = true;
  const load = Promise.all(
    urls.map(async (base) => {
      let calls = 0;
      while (loading) {
        await call(base, 'auth.test', { token: bot });
        calls++;
      }
      return calls;
    }),
  );
  try {
    // A revocation on one process is refused on all within a second, while all three are busy.
    for (const base of urls) assert.equal((await call(base, 'auth.test', { token: user })).ok, true);
    const revokedAt = performance.now();
    assert.equal((await call(urls[0]!, 'auth.revoke', { token: user })).ok, true);
    const seen = await Promise.all(
      urls.map(async (base) => {
        for (;;) {
          if ((await call(base, 'auth.test', { token: user })).error === 'token_revoked') return performance.now() - revokedAt;
          if (performance.now() - revokedAt > 5_000) return Infinity;
          await new Promise((r) => setTimeout(r, 20));
        }
      }),
    );
    for (const ms of seen) assert.ok(ms < 1_000, `a process still accepted the revoked token after ${Math.round(ms)} ms`);

    // A code is single use across processes: three exchanges at once, one answer.
    const { clientId, clientSecret } = clientOf('A0INST0001');
    const { location } = await consent(new FlowClient(urls[1]!), `/oauth/v2/authorize?client_id=${clientId}&scope=chat:write`, { email: 'sam@shared.test', password: 'sam-password', team });
    const code = new URL(location).searchParams.get('code')!;
    const exchanges = await Promise.all(urls.map((base) => call(base, 'oauth.v2.access', { form: { client_id: clientId, client_secret: clientSecret, code } })));
    assert.equal(exchanges.filter((a) => a.ok).length, 1, JSON.stringify(exchanges.map((a) => a.error ?? 'ok')));
    assert.deepEqual(exchanges.filter((a) => !a.ok).map((a) => a.error), ['code_already_used', 'code_already_used']);

    // A refresh token is single use across processes: 30 refreshes at once, one pair.
    const rota = clientOf('A0ROTA0001');
    const refreshes = await Promise.all(Array.from({ length: 30 }, (_, i) => call(urls[i % 3]!, 'oauth.v2.access', { form: { client_id: rota.clientId, client_secret: rota.clientSecret, grant_type: 'refresh_token', refresh_token: refresh } })));
    assert.equal(new Set(refreshes.filter((a) => a.ok).map((a) => a['access_token'])).size, 1);

    // Rate-limit budgets are shared: six team.info calls in a minute, wherever they land.
    const budget = await Promise.all(Array.from({ length: 8 }, (_, i) => call(urls[i % 3]!, 'team.info', { token: bot })));
    assert.equal(budget.filter((a) => a.ok).length, 6);
    assert.equal(budget.filter((a) => a.error === 'ratelimited').length, 2);
  } finally {
    loading = false;
    const calls = await load;
    assert.ok(calls.every((n) => n > 10), `every process carried load: ${calls.join(', ')}`);
    await Promise.all(servers.map((s) => s.stop()));
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});
