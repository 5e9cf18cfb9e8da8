import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SecretBox, loadSecretKey } from '../../src/crypto/sealed.ts';
import { idNumber, mintToken } from '../../src/domain/token-strings.ts';
import { Store } from '../../src/store/index.ts';
import { clientOf, installFixture } from '../helpers/fixture.ts';
import { consent, FlowClient } from '../helpers/flow.ts';
import { run, serve } from '../helpers/processes.ts';
import { ENGINES, testDatabase } from '../helpers/server.ts';

type Answer = { ok: boolean; error?: string; [k: string]: unknown };

async function call(base: string, method: string, init: { token?: string; form?: Record<string, string> } = {}): Promise<Answer | null> {
  try {
    const response = await fetch(`${base}/api/${method}`, {
      method: 'POST',
      headers: init.token ? { authorization: `Bearer ${init.token}` } : {},
      body: new URLSearchParams(init.form ?? {}),
      signal: AbortSignal.timeout(5_000),
    });
    return (await response.json()) as Answer;
  } catch {
    return null; // the process died with this request in flight: no answer, no promise made
  }
}

/**
 * Issue 9 §2: SIGKILL in the middle of installs, refreshes and revocations. After a restart, every answer given
 * before the kill still holds, no installation is half-made, and the outbox lost no event.
 */
for (const engine of ENGINES) {
  test(`a process killed mid-load keeps every promise it made (${engine})`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-crash-'));
    const database = engine === 'sqlite' ? { spec: join(dir, 'crash.db'), drop: async () => {} } : testDatabase(engine);
    const fixture = installFixture() as { users: Array<Record<string, unknown>>; tokens?: unknown[] };
    const victims = Array.from({ length: 40 }, (_, i) => `U0VICT${String(i).padStart(4, '0')}`);
    for (const id of victims) fixture.users.push({ id, team_id: 'T0ACME0001', name: id.toLowerCase(), real_name: id, email: `${id.toLowerCase()}@acme.test` });
    const doomed = victims.map((u) => mintToken('user', [idNumber('T0ACME0001'), idNumber(u), '1']));
    const chains = Array.from({ length: 5 }, () => mintToken('refresh', [idNumber('T0ACME0001')]));
    fixture.tokens = [
      ...victims.map((u, i) => ({ kind: 'user', app_id: 'A0INST0001', user_id: u, token: doomed[i] })),
      // Each chain its own authorization (a member's user token), so the two-live rule of one never ends another's.
      ...chains.map((r, i) => ({ kind: 'user', app_id: 'A0ROTA0001', user_id: victims[i], token: mintToken('rotating_user', [idNumber('T0ACME0001'), idNumber(victims[i]!), '2']), refresh_token: r })),
    ];
    writeFileSync(join(dir, 'fixture.json'), JSON.stringify(fixture));
    const env = { TESSERA_SECRET_KEY: 'crash' };
    assert.equal((await run(['seed', join(dir, 'fixture.json'), '--db', database.spec], env)).code, 0);
    let server = await serve(['--db', database.spec, '--rate-limits', 'off'], env);
    const issued: string[] = [];
    const chainHeads: string[][] = chains.map(() => []);
    const revoked: Array<{ token: string; user: string }> = [];
    try {
      let running = true;
      const base = server.url;
      const installs = (async () => {
        const { clientId, clientSecret } = clientOf('A0INST0001');
        while (running) {
          try {
            const { location } = await consent(new FlowClient(base), `/oauth/v2/authorize?client_id=${clientId}&scope=chat:write&user_scope=team:read`, { email: 'bob@acme.test', password: 'bob-password', team: 'T0ACME0001' });
            const answer = await call(base, 'oauth.v2.access', { form: { client_id: clientId, client_secret: clientSecret, code: new URL(location).searchParams.get('code')! } });
            if (answer?.ok) issued.push(answer['access_token'] as string, (answer['authed_user'] as { access_token: string }).access_token);
          } catch {
            return;
          }
        }
      })();
      const refreshes = chains.map(async (start, c) => {
        const { clientId, clientSecret } = clientOf('A0ROTA0001');
        let current = start;
        while (running) {
          const answer = await call(base, 'oauth.v2.access', { form: { client_id: clientId, client_secret: clientSecret, grant_type: 'refresh_token', refresh_token: current } });
          if (!answer?.ok) return;
          chainHeads[c]!.push(answer['access_token'] as string);
          current = answer['refresh_token'] as string;
        }
      });
      const revocations = (async () => {
        for (let i = 0; i < doomed.length && running; i++) {
          const answer = await call(base, 'auth.revoke', { token: doomed[i] });
          if (answer?.ok && answer['revoked'] === true) revoked.push({ token: doomed[i]!, user: victims[i]! });
          if (answer === null) return;
        }
      })();
      // Kill once some of each kind of work has been answered (however slow this machine is today), mid-stream.
      for (let waited = 0; waited < 20_000 && (issued.length < 6 || revoked.length < 4 || chainHeads.some((h) => h.length < 2)); waited += 50) {
        await new Promise((r) => setTimeout(r, 50));
      }
      await server.kill();
      running = false;
      await Promise.all([installs, revocations, ...refreshes]);
      assert.ok(issued.length > 5 && revoked.length > 3, `the load did work before the kill: ${issued.length} issued, ${revoked.length} revoked`);
      // A chain's last answered access token is live. (The one before it may have been ended by a refresh the kill
      // interrupted after its commit: that refresh's new token makes two live, and the older one goes.)
      for (const heads of chainHeads) issued.push(...heads.slice(-1));

      server = await serve(['--db', database.spec, '--rate-limits', 'off'], env);
      const refused: string[] = [];
      for (const token of issued) {
        const answer = await call(server.url, 'auth.test', { token });
        if (!answer?.ok) refused.push(answer?.error ?? 'no answer');
      }
      assert.deepEqual(refused, [], 'no issued token became unknown');
      for (const { token } of revoked) assert.equal((await call(server.url, 'auth.test', { token }))?.error, 'token_revoked');

      const store = await Store.open(database.spec, new SecretBox(loadSecretKey({ secret: 'crash', keyFile: null })));
      try {
        // No installation without its grant, no used code without what it issued.
        const orphans = await store.db
          .selectFrom('installations as i')
          .leftJoin('authorizations as a', 'a.installation_id', 'i.id')
          .select('i.id')
          .where('a.id', 'is', null)
          .execute();
        assert.deepEqual(orphans, []);
        const codes = await store.db.selectFrom('codes').select(['digest', 'issued']).where('used_at', 'is not', null).execute();
        for (const c of codes) assert.ok(c.issued && (JSON.parse(c.issued) as { tokens: string[] }).tokens.length > 0, 'a used code recorded what it issued');
        // Every revocation the process answered recorded its tokens_revoked event.
        const events = await store.db.selectFrom('event_deliveries').select('body').where('type', '=', 'tokens_revoked').execute();
        const reported = new Set(events.flatMap((e) => (JSON.parse(e.body) as { event: { tokens: { oauth: string[] } } }).event.tokens.oauth));
        for (const { user } of revoked) assert.ok(reported.has(user), `the revocation of ${user}'s token lost its event`);
      } finally {
        await store.close();
      }
    } finally {
      await server.stop();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
