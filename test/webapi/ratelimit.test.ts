import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ErrorCode, WebClient } from '@slack/web-api';
import { mintToken, idNumber } from '../../src/domain/token-strings.ts';
import { standardFixture, type StandardTokens } from '../helpers/fixture.ts';
import { run, serve } from '../helpers/processes.ts';
import { rawCall, startServer, type TestServer } from '../helpers/server.ts';

/** §3 step 7 as an SDK meets it: per method, per workspace, per app budgets, and one budget across processes. */
describe('rate limits through WebClient', () => {
  let server: TestServer;
  let tokens: StandardTokens;
  before(async () => {
    const made = standardFixture();
    tokens = made.tokens;
    server = await startServer('sqlite', made.fixture, { rateLimits: { enabled: true, perMinute: { '1': 1, '2': 2, '3': 2, '4': 2, special: 3 }, redisUrl: undefined } });
  });
  after(() => server.close());

  test('rejectRateLimitedCalls raises the rate-limited error with the Retry-After the server sent', async () => {
    const client = new WebClient(tokens.bot, { slackApiUrl: server.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
    for (let i = 0; i < 2; i++) await client.team.info();
    const raw = await rawCall(`${server.apiUrl}team.info`, { headers: { authorization: `Bearer ${tokens.bot}` } });
    assert.equal(raw.status, 429);
    const retryAfter = Number(raw.headers['retry-after']);
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60);
    await assert.rejects(client.team.info(), (e: { code?: string; retryAfter?: number }) => {
      assert.equal(e.code, ErrorCode.RateLimitedError);
      assert.ok(e.retryAfter === retryAfter || e.retryAfter === retryAfter - 1, `retryAfter ${e.retryAfter} against the header's ${retryAfter}`);
      return true;
    });
    // Another method, and the same app in another workspace, have budgets of their own.
    assert.equal((await client.auth.test()).ok, true);
    const beta = new WebClient(tokens.betaBot, { slackApiUrl: server.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
    assert.equal((await beta.team.info()).ok, true);
  });

  test('chat.postMessage: a burst of five per channel, then ratelimited; another channel has its own', async () => {
    // Alice's legacy token: she is in #general, and a legacy token holds chat:write.
    const client = new WebClient(tokens.legacy, { slackApiUrl: server.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
    for (let i = 0; i < 5; i++) assert.equal((await client.chat.postMessage({ channel: 'C0GENERAL1', text: `burst ${i}` })).ok, true);
    await assert.rejects(client.chat.postMessage({ channel: 'C0GENERAL1', text: 'one too many' }), (e: { code?: string; retryAfter?: number }) => e.code === ErrorCode.RateLimitedError && (e.retryAfter ?? 0) >= 1 && (e.retryAfter ?? 99) <= 5);
    // Another channel's budget is untouched: the call gets as far as the channel check.
    await assert.rejects(client.chat.postMessage({ channel: 'C0ELSEWHR1', text: 'x' }), (e: { data?: { error?: string } }) => e.data?.error === 'channel_not_found');
  });

  test('the code exchange is limited per client, before any secret is checked', async () => {
    const client = new WebClient(undefined, { slackApiUrl: server.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
    const exchange = () => client.oauth.v2.access({ client_id: '1.2', client_secret: 'nope', code: 'x' });
    for (let i = 0; i < 2; i++) await assert.rejects(exchange(), (e: { data?: { error?: string } }) => e.data?.error === 'invalid_client_id');
    await assert.rejects(exchange(), (e: { code?: string }) => e.code === ErrorCode.RateLimitedError);
  });
});

const REDIS_URL = process.env['TESSERA_TEST_REDIS_URL'];

test('with Redis, two processes spend one budget', { skip: REDIS_URL ? false : 'TESSERA_TEST_REDIS_URL is not set' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-redis-'));
  // A workspace of its own for each run: Redis remembers budgets for a minute, across test runs too.
  const team = `T0${randomBytes(5).toString('hex').toUpperCase()}`.slice(0, 11);
  const bot = mintToken('bot', [idNumber(team), '1']);
  const { fixture } = standardFixture();
  const f = fixture as { teams: Array<Record<string, unknown>>; apps: Array<Record<string, unknown>>; tokens: unknown[] };
  f.teams.push({ id: team, name: 'Redis Team', domain: `redis-${team.toLowerCase()}` });
  f.tokens.push({ kind: 'bot', app_id: 'A0DEMO0001', team_id: team, token: bot });
  writeFileSync(join(dir, 'fixture.json'), JSON.stringify(fixture));
  const db = join(dir, 'tessera.db');
  const env = { TESSERA_SECRET_KEY: 'shared', TESSERA_REDIS_URL: REDIS_URL!, TESSERA_RATE_LIMITS: '3=4' };
  assert.equal((await run(['seed', join(dir, 'fixture.json'), '--db', db], env)).code, 0);
  const servers = await Promise.all([serve(['--db', db], env), serve(['--db', db], env)]);
  try {
    const call = async (i: number) => {
      const response = await fetch(`${servers[i % 2]!.url}/api/team.info`, { method: 'POST', headers: { authorization: `Bearer ${bot}` }, signal: AbortSignal.timeout(5_000) });
      return { status: response.status, body: (await response.json()) as { ok: boolean; error?: string } };
    };
    for (let i = 0; i < 4; i++) assert.equal((await call(i)).body.ok, true, `call ${i} is within the budget of 4`);
    for (const i of [4, 5]) {
      const limited = await call(i);
      assert.equal(limited.status, 429, `call ${i} on process ${i % 2} sees the budget the other process spent too`);
      assert.equal(limited.body.error, 'ratelimited');
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
});
