import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { idNumber, mintToken } from '../src/domain/token-strings.ts';

/**
 * npm run soak: mixed load for SOAK_SECONDS (600) against two Tessera processes sharing one database (a SQLite
 * file, or SOAK_DB=postgres://…), then a report per minute: calls, errors (goal: none), p99 latency, and each
 * process's resident memory (goal: flat). Not part of npm test.
 */
const ROOT = join(import.meta.dirname, '..');
const SECONDS = Number(process.env['SOAK_SECONDS'] ?? 600);
const WORKERS = Number(process.env['SOAK_WORKERS'] ?? 16);
const TEAM = 'T0SOAK0001';

interface Minute {
  calls: number;
  errors: number;
  latencies: number[];
  rss: number[];
}

function start(args: string[], env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['src/cli.ts', 'serve', '--port', '0', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`did not start: ${out}`)), 30_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c;
      const m = /"url":"(http:\/\/[^"]+)","db"/.exec(out);
      if (m && timer) {
        clearTimeout(timer);
        resolve({ url: m[1]!, child });
      }
      if (out.length > 100_000) out = out.slice(-10_000);
    });
    child.stderr!.on('data', (c: Buffer) => (out += c));
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-soak-'));
  const members = Array.from({ length: WORKERS }, (_, i) => `U0SOAK${String(i).padStart(4, '0')}`);
  const bot = mintToken('bot', [idNumber(TEAM), '1']);
  const chains = members.map(() => mintToken('refresh', [idNumber(TEAM)]));
  const revocable: string[] = [];
  const tokens = [
    { kind: 'bot', app_id: 'A0SOAK0001', token: bot },
    ...members.map((u, i) => ({ kind: 'user', app_id: 'A0SOAKROT1', user_id: u, token: mintToken('rotating_user', [idNumber(TEAM), idNumber(u), '1']), refresh_token: chains[i] })),
  ];
  for (let i = 0; i < 5_000; i++) {
    const user = members[i % members.length]!;
    const token = mintToken('user', [idNumber(TEAM), idNumber(user), String(i)]);
    revocable.push(token);
  }
  // Revocable tokens are legacy tokens: many per member, each its own grant.
  const fixture = {
    teams: [{ id: TEAM, name: 'Soak', domain: 'soak' }],
    users: members.map((id) => ({ id, team_id: TEAM, name: id.toLowerCase(), real_name: id, email: `${id.toLowerCase()}@soak.test` })),
    channels: [{ id: 'C0SOAK0001', team_id: TEAM, name: 'general', members }],
    apps: [
      { id: 'A0SOAK0001', name: 'Soak', team_id: TEAM, client_id: '555.666', client_secret: 'soak-client-secret', signing_secret: 'soak-signing-secret', redirect_urls: ['http://localhost:3000/cb'], bot_scopes: ['chat:write', 'team:read'] },
      { id: 'A0SOAKROT1', name: 'Soak Rotating', team_id: TEAM, client_id: '777.888', client_secret: 'soak-rotating-secret', signing_secret: 'soak-rotating-signing', redirect_urls: ['http://localhost:3000/cb'], user_scopes: ['search:read'], token_rotation: true },
    ],
    tokens: [...tokens, ...revocable.map((token, i) => ({ kind: 'legacy', team_id: TEAM, user_id: members[i % members.length], token }))],
  };
  writeFileSync(join(dir, 'fixture.json'), JSON.stringify(fixture));
  const db = process.env['SOAK_DB'] ?? join(dir, 'soak.db');
  const env = { TESSERA_SECRET_KEY: 'soak', TESSERA_LOG_LEVEL: 'info', TESSERA_RATE_LIMITS: 'off' };
  const seed = spawn(process.execPath, ['src/cli.ts', 'seed', join(dir, 'fixture.json'), '--db', db], { cwd: ROOT, env: { ...process.env, ...env }, stdio: 'inherit' });
  await new Promise((r) => seed.on('exit', r));
  const servers = [await start(['--db', db], env), await start(['--db', db], env)];
  const minutes: Minute[] = [];
  const started = Date.now();
  const minute = (): Minute => {
    const i = Math.floor((Date.now() - started) / 60_000);
    return (minutes[i] ??= { calls: 0, errors: 0, latencies: [], rss: [] });
  };
  const post = async (base: string, method: string, token: string | undefined, form: Record<string, string>, expect: (a: Record<string, unknown>) => boolean) => {
    const t0 = performance.now();
    let ok = false;
    let answer: Record<string, unknown> = {};
    try {
      const response = await fetch(`${base}/api/${method}`, { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {}, body: new URLSearchParams(form), signal: AbortSignal.timeout(10_000) });
      answer = (await response.json()) as Record<string, unknown>;
      ok = expect(answer);
    } catch {
      ok = false;
    }
    const m = minute();
    m.calls++;
    m.latencies.push(performance.now() - t0);
    if (!ok) {
      m.errors++;
      if (m.errors <= 3) process.stderr.write(`soak: ${method} answered ${JSON.stringify(answer).slice(0, 200)}\n`);
    }
    return answer;
  };
  let next = 0;
  const deadline = started + SECONDS * 1000;
  const workers = members.map(async (_, w) => {
    let chain = chains[w]!;
    for (let n = 0; Date.now() < deadline; n++) {
      const base = servers[(w + n) % 2]!.url;
      const roll = n % 20;
      if (roll < 14) await post(base, 'auth.test', bot, {}, (a) => a['ok'] === true);
      else if (roll < 17) await post(base, 'team.info', bot, {}, (a) => a['ok'] === true);
      else if (roll < 19) {
        const a = await post(base, 'oauth.v2.access', undefined, { client_id: '777.888', client_secret: 'soak-rotating-secret', grant_type: 'refresh_token', refresh_token: chain }, (x) => x['ok'] === true);
        if (typeof a['refresh_token'] === 'string') chain = a['refresh_token'];
      } else {
        const token = revocable[next++ % revocable.length]!;
        // A token revoked earlier in the run answers token_revoked: both are correct, anything else is an error.
        await post(base, 'auth.revoke', token, {}, (a) => a['ok'] === true || a['error'] === 'token_revoked');
      }
    }
  });
  const sampler = setInterval(() => {
    const m = minute();
    m.rss.push(...servers.map((s) => rssMb(s.child.pid!)));
    process.stdout.write(`soak: ${Math.round((Date.now() - started) / 1000)} s, ${minutes.reduce((n, x) => n + x.calls, 0)} calls, ${minutes.reduce((n, x) => n + x.errors, 0)} errors, rss ${servers.map((s) => rssMb(s.child.pid!)).join('/')} MB\n`);
  }, 10_000);
  await Promise.all(workers);
  clearInterval(sampler);
  for (const s of servers) s.child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });

  const p99 = (xs: number[]) => (xs.length === 0 ? 0 : [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)]!);
  const elapsed = (Date.now() - started) / 1000;
  const rows = minutes.map((m, i) => ({ minute: i + 1, calls: m.calls, rps: Math.round(m.calls / Math.max(1, Math.min(60, elapsed - i * 60))), errors: m.errors, p99_ms: Math.round(p99(m.latencies) * 10) / 10, rss_mb: m.rss.length ? Math.max(...m.rss) : 0 }));
  process.stdout.write(`\nminute  calls    req/s  errors  p99 ms  max rss MB\n`);
  for (const r of rows) process.stdout.write(`${String(r.minute).padEnd(8)}${String(r.calls).padEnd(9)}${String(r.rps).padEnd(7)}${String(r.errors).padEnd(8)}${String(r.p99_ms).padEnd(8)}${r.rss_mb}\n`);
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'soak.json'), JSON.stringify({ date: new Date().toISOString(), seconds: SECONDS, workers: WORKERS, db: db.startsWith('postgres') ? 'postgres' : 'sqlite', minutes: rows }, null, 2) + '\n');
}

main().catch((error) => {
  process.stderr.write(`soak: ${(error as Error).message}\n`);
  process.exit(1);
});
