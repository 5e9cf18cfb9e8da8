import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SecretBox, loadSecretKey } from '../../src/crypto/sealed.ts';
import { tokenDigest } from '../../src/domain/token-strings.ts';
import { Store } from '../../src/store/index.ts';
import { clientOf, installFixture, mint } from '../helpers/fixture.ts';
import { run, serve } from '../helpers/processes.ts';
import { ENGINES, testDatabase } from '../helpers/server.ts';

const ROTATING = clientOf('A0ROTA0001');
const SECRET = 'a key both processes share';

/**
 * slack-compat.md §8: two refreshes racing on one refresh token never both create tokens, across processes too.
 * Two `tessera serve` processes on one database take 50 concurrent refreshes of one refresh token between them.
 */
for (const engine of ENGINES) {
  test(`50 concurrent refreshes across two Tessera processes leave exactly one live family (${engine})`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-race-'));
    const database = engine === 'sqlite' ? { spec: join(dir, 'race.db'), drop: async () => {} } : testDatabase(engine);
    const env = { TESSERA_SECRET_KEY: SECRET, TESSERA_RATE_LIMITS: 'off' };
    const access = mint.rotatingBot();
    const refreshToken = mint.refresh();
    const fixture = installFixture() as { tokens?: unknown[] };
    fixture.tokens = [{ kind: 'bot', app_id: 'A0ROTA0001', token: access, refresh_token: refreshToken }];
    writeFileSync(join(dir, 'fixture.json'), JSON.stringify(fixture));
    const seeded = await run(['seed', join(dir, 'fixture.json'), '--db', database.spec], env);
    assert.equal(seeded.code, 0, seeded.stderr);
    const servers = await Promise.all([serve(['--db', database.spec], env), serve(['--db', database.spec], env)]);
    try {
      const body = new URLSearchParams({ client_id: ROTATING.clientId, client_secret: ROTATING.clientSecret, grant_type: 'refresh_token', refresh_token: refreshToken });
      const answers = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const response = await fetch(`${servers[i % 2]!.url}/api/oauth.v2.access`, { method: 'POST', body, signal: AbortSignal.timeout(20_000) });
          return (await response.json()) as { ok: boolean; error?: string; access_token?: string; refresh_token?: string };
        }),
      );
      const issued = answers.filter((a) => a.ok);
      const refused = answers.filter((a) => !a.ok);
      assert.equal(new Set(issued.map((a) => a.access_token)).size, 1, 'exactly one pair was minted');
      assert.ok(issued.length >= 1 && issued.length <= 4, `one answer and at most three grace replays, got ${issued.length}`);
      assert.deepEqual([...new Set(refused.map((a) => a.error))], refused.length > 0 ? ['invalid_refresh_token'] : []);

      const store = await Store.open(database.spec, new SecretBox(loadSecretKey({ secret: SECRET, keyFile: null })));
      try {
        const live = await store.db
          .selectFrom('tokens')
          .select(['digest', 'kind'])
          .where('kind', '=', 'refresh')
          .where('revoked_at', 'is', null)
          .where('used_at', 'is', null)
          .execute();
        assert.deepEqual(live.map((t) => t.digest), [tokenDigest(issued[0]!.refresh_token!)], 'one live refresh token: the one that was handed out');
        const bots = await store.db.selectFrom('tokens').select('digest').where('kind', '=', 'bot').where('revoked_at', 'is', null).execute();
        assert.equal(bots.length, 2, 'the old access token and the one new one');
      } finally {
        await store.close();
      }
      const next = await fetch(`${servers[1]!.url}/api/oauth.v2.access`, {
        method: 'POST',
        body: new URLSearchParams({ client_id: ROTATING.clientId, client_secret: ROTATING.clientSecret, grant_type: 'refresh_token', refresh_token: issued[0]!.refresh_token! }),
        signal: AbortSignal.timeout(10_000),
      });
      assert.equal(((await next.json()) as { ok: boolean }).ok, true, 'the family lives on in either process');
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
