import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { standardFixture } from '../helpers/fixture.ts';
import { rawCall, startServer, testDatabase } from '../helpers/server.ts';

const POSTGRES = process.env['TESSERA_TEST_POSTGRES_URL'];

/**
 * A TCP hop between Tessera and PostgreSQL that the test can break, so a "restart" of the database touches only
 * this test's connections: `down()` drops every connection and refuses new ones, `blackHole()` accepts and never
 * answers (a network partition), `up()` heals.
 */
async function breakableLink(target: URL): Promise<{ port: number; down(): void; blackHole(): void; up(): void; close(): Promise<void> }> {
  let mode: 'up' | 'down' | 'hole' = 'up';
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    if (mode === 'down') return client.destroy();
    if (mode === 'hole') return; // read nothing, answer nothing
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    open.add(upstream);
    upstream.on('close', () => open.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const cut = () => {
    for (const s of open) s.destroy();
  };
  return {
    port: (server.address() as net.AddressInfo).port,
    down() {
      mode = 'down';
      cut();
    },
    blackHole() {
      mode = 'hole';
      cut();
    },
    up() {
      mode = 'up';
    },
    close: () => {
      cut();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

test('PostgreSQL going away under load: envelopes, no hangs past the timeout, recovery by itself', { skip: POSTGRES ? false : 'needs TESSERA_TEST_POSTGRES_URL' }, async () => {
  const database = testDatabase('postgres');
  const direct = new URL(database.spec);
  const link = await breakableLink(direct);
  const viaLink = new URL(database.spec);
  viaLink.host = `127.0.0.1:${link.port}`;
  const { fixture, tokens } = standardFixture();
  // Token checks are cached for half a second; team.info reads the database on every call.
  const server = await startServer('postgres', fixture, { db: viaLink.toString(), queryTimeoutMs: 800, tokenCacheMs: 0 });
  try {
    const teamInfo = async () => {
      const started = performance.now();
      const answer = await rawCall(`${server.apiUrl}team.info`, { headers: { authorization: `Bearer ${tokens.bot}` } });
      return { ms: performance.now() - started, status: answer.status, ok: answer.json['ok'] === true, error: answer.json['error'] as string | undefined };
    };
    const burst = () => Promise.all(Array.from({ length: 8 }, teamInfo));

    assert.ok((await burst()).every((a) => a.ok));

    link.down(); // the server restarts: connections reset, new ones refused
    const refused = await burst();
    for (const a of refused) {
      assert.equal(a.status, 200, 'an envelope, not an HTTP error');
      assert.ok(a.error === 'service_unavailable' || a.error === 'internal_error', `got ${a.error ?? 'ok'}`);
      assert.ok(a.ms < 3_000, `answered in ${Math.round(a.ms)} ms`);
    }
    assert.ok(refused.some((a) => a.error === 'service_unavailable'), 'a database outage is reported as transient');

    link.blackHole(); // the network loses packets: nothing answers at all
    const stuck = await burst();
    for (const a of stuck) {
      assert.ok(!a.ok, 'no answer from the database is not a success');
      assert.ok(a.ms < 800 * 2 + 1_500, `no hang past the timeout: ${Math.round(a.ms)} ms`);
    }

    link.up();
    let recovered = false;
    for (let i = 0; i < 50 && !recovered; i++) {
      recovered = (await burst()).every((a) => a.ok);
      if (!recovered) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(recovered, 'back without a restart of Tessera');
  } finally {
    await server.close();
    await link.close();
  }
});
