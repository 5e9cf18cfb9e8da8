import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { idNumber, mintToken } from '../src/domain/token-strings.ts';

/**
 * npm run bench: loads a bare node:http server and Tessera one after the other with the same client and
 * connection count, alternating rounds, and reports each scenario as a ratio to the baseline measured in the
 * same run (performance.md). Reports only: nothing here passes or fails a build.
 */
const ROOT = join(import.meta.dirname, '..');
const CONNECTIONS = 50;
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);

interface Sample {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

function start(args: string[], env: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`did not start: ${out}`)), 30_000);
    const onData = (chunk: Buffer) => {
      out += chunk;
      const m = /listening (http:\/\/\S+)|"url":"(http:\/\/[^"]+)","db"/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume(); // keep draining the logs, as production would
        resolve({ url: m[1] ?? m[2]!, child });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c) => (out += c));
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}

async function load(url: string, headers: Record<string, string>, body: string | undefined, requests?: autocannon.Request[]): Promise<Sample> {
  const result = await autocannon({ url, method: 'POST', headers, body, requests, connections: CONNECTIONS, duration: SECONDS, pipelining: 1 });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.timeouts, non2xx: result.non2xx };
}

/**
 * Refresh-token rotation: each connection follows its own chain (one member's rotating user token), presenting
 * the refresh token the previous answer handed out, as a real app does. A Slack error (HTTP 200, ok:false)
 * counts as an error.
 */
function rotationLoad(url: string, chains: string[], clientId: string, clientSecret: string, options = { countFailures: true }): () => Promise<Sample> {
  return async () => {
    let next = 0;
    let failed = 0;
    const requests: autocannon.Request[] = [
      {
        setupRequest: (request, context) => {
          if ((context as Record<string, unknown>)['chain'] === undefined) (context as Record<string, unknown>)['chain'] = next++ % chains.length;
          const body = new URLSearchParams({ client_id: clientId, client_secret: clientSecret, grant_type: 'refresh_token', refresh_token: chains[(context as Record<string, unknown>)['chain'] as number]! });
          return { ...request, body: body.toString() };
        },
        onResponse: (_status, body, context) => {
          const answer = JSON.parse(body) as { ok: boolean; refresh_token?: string };
          if (answer.ok && answer.refresh_token) chains[(context as Record<string, unknown>)['chain'] as number] = answer.refresh_token;
          else if (options.countFailures) failed++;
        },
      },
    ];
    const sample = await load(url, { 'content-type': 'application/x-www-form-urlencoded' }, undefined, requests);
    return { ...sample, errors: sample.errors + failed };
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
  const botToken = mintToken('bot', [idNumber('T0ACME0001'), '1']);
  // One rotating user token per connection: each chain is its own authorization, as each member's is.
  const members = Array.from({ length: CONNECTIONS }, (_, i) => `U0BENCH${String(i).padStart(3, '0')}`);
  const chains = members.map(() => mintToken('refresh', [idNumber('T0ACME0001')]));
  const fixture = {
    teams: [{ id: 'T0ACME0001', name: 'Acme', domain: 'acme' }],
    users: members.map((id) => ({ id, team_id: 'T0ACME0001', name: id.toLowerCase(), real_name: id, email: `${id.toLowerCase()}@acme.test` })),
    apps: [
      { id: 'A0BENCH001', name: 'Bench App', team_id: 'T0ACME0001', client_id: '111.222', client_secret: 'bench-client-secret', signing_secret: 'bench-signing-secret', redirect_urls: ['http://localhost:3000/cb'], bot_scopes: ['chat:write'] },
      { id: 'A0BROT0001', name: 'Rotating Bench App', team_id: 'T0ACME0001', client_id: '333.444', client_secret: 'rotating-client-secret', signing_secret: 'rotating-signing-secret', redirect_urls: ['http://localhost:3000/cb'], user_scopes: ['search:read'], token_rotation: true },
    ],
    tokens: [
      { kind: 'bot', app_id: 'A0BENCH001', token: botToken },
      ...members.map((user, i) => ({ kind: 'user', app_id: 'A0BROT0001', user_id: user, token: mintToken('rotating_user', [idNumber('T0ACME0001'), idNumber(user), '1']), refresh_token: chains[i] })),
    ],
  };
  writeFileSync(join(dir, 'fixture.json'), JSON.stringify(fixture));

  const baseline = await start(['bench/baseline.ts']);
  // The rate limiter stays on, as in production, with budgets raised for the load (BENCH_RATE_LIMITS=off to compare).
  // BENCH_PROFILE=DIR writes a CPU profile of Tessera there (node --cpu-prof), for "profile before optimising".
  const profile = process.env['BENCH_PROFILE'] ? [`--cpu-prof`, `--cpu-prof-dir=${process.env['BENCH_PROFILE']}`] : [];
  const tessera = await start([...profile, 'src/cli.ts', 'serve', '--port', '0', '--db', process.env['BENCH_DB'] ?? join(dir, 'tessera.db'), '--seed', join(dir, 'fixture.json'), '--rate-limits', process.env['BENCH_RATE_LIMITS'] ?? '4=9999999,special=9999999', '--log-level', 'info']);
  const scenarios = [
    {
      name: 'auth.test, bot token, SQLite',
      goal: 0.8,
      tessera: () => load(`${tessera.url}/api/auth.test`, { authorization: `Bearer ${botToken}`, 'content-type': 'application/x-www-form-urlencoded' }, ''),
      baseline: () => load(`${baseline.url}/api/auth.test`, { 'content-type': 'application/x-www-form-urlencoded' }, ''),
    },
    {
      name: 'refresh-token rotation, SQLite',
      goal: 0.2,
      tessera: rotationLoad(`${tessera.url}/api/oauth.v2.access`, chains, '333.444', 'rotating-client-secret'),
      // The same client work against the baseline (a body built per request, each answer parsed), so the ratio
      // compares servers, not clients.
      baseline: rotationLoad(`${baseline.url}/api/oauth.v2.access`, [...chains], '333.444', 'rotating-client-secret', { countFailures: false }),
    },
  ];
  const report = [];
  try {
    // BENCH_ONLY=text runs only the scenarios whose name contains it.
    for (const s of scenarios.filter((x) => !process.env['BENCH_ONLY'] || x.name.includes(process.env['BENCH_ONLY']))) {
      await s.tessera(); // warm-up: JIT, caches
      const t: Sample[] = [];
      const b: Sample[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        b.push(await s.baseline());
        t.push(await s.tessera());
      }
      const tRps = median(t.map((x) => x.rps));
      const bRps = median(b.map((x) => x.rps));
      const ratio = tRps / bRps;
      report.push({
        scenario: s.name,
        tessera_rps: Math.round(tRps),
        baseline_rps: Math.round(bRps),
        ratio: Number(ratio.toFixed(3)),
        p50_ms: median(t.map((x) => x.p50)),
        p99_ms: median(t.map((x) => x.p99)),
        errors: t.reduce((n, x) => n + x.errors + x.non2xx, 0),
        goal: s.goal,
        met: ratio >= s.goal,
      });
    }
  } finally {
    baseline.child.kill('SIGTERM');
    tessera.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
  const pad = (v: unknown, n: number) => String(v).padEnd(n);
  process.stdout.write(`\n${pad('scenario', 32)}${pad('tessera req/s', 15)}${pad('baseline req/s', 16)}${pad('ratio', 8)}${pad('p50 ms', 8)}${pad('p99 ms', 8)}${pad('goal', 6)}met\n`);
  for (const r of report) {
    process.stdout.write(`${pad(r.scenario, 32)}${pad(r.tessera_rps, 15)}${pad(r.baseline_rps, 16)}${pad(r.ratio, 8)}${pad(r.p50_ms, 8)}${pad(r.p99_ms, 8)}${pad(r.goal, 6)}${r.met ? 'yes' : 'no'}${r.errors ? `  (${r.errors} errors)` : ''}\n`);
  }
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'latest.json'), JSON.stringify({ date: new Date().toISOString(), connections: CONNECTIONS, rounds: ROUNDS, seconds: SECONDS, results: report }, null, 2) + '\n');
}

main().catch((error) => {
  process.stderr.write(`bench: ${(error as Error).message}\n`);
  process.exit(1);
});
