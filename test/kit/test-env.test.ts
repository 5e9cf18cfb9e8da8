import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { WebClient } from '@slack/web-api';
import { installFixture } from '../helpers/fixture.ts';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli.ts');

/** Starts `tessera test-env`, waits for it to say it serves, and hands back what it printed. */
function testEnv(args: string[], env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string; stop: () => Promise<number | null> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'test-env', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`test-env did not start within 15 s:\n${stdout}\n${stderr}`));
    }, 15_000);
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => {
      stderr += c;
      if (/# Tessera serves at /.test(stderr)) {
        clearTimeout(timer);
        resolve({ stdout, stderr, stop: () => new Promise((done) => (child.exitCode !== null ? done(child.exitCode) : (child.once('close', done), child.kill('SIGTERM')))) });
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`test-env exited ${code}:\n${stdout}\n${stderr}`));
    });
  });
}

/** Issue 10, item 4: `tessera test-env` starts one for a suite in any language and says what to export. */
describe('tessera test-env', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-test-env-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('prints the variables to export, writes them to --env-out, serves on them, and stops on SIGTERM', async () => {
    const fixture = installFixture() as { apps: Array<Record<string, unknown>> };
    const rotating = fixture.apps.find((a) => a['id'] === 'A0ROTA0001')!;
    rotating['client_secret'] = "it's a 'quoted' $secret";
    const seed = join(dir, 'fixture.json');
    writeFileSync(seed, JSON.stringify(fixture));
    const envOut = join(dir, 'tessera.env');
    const run = await testEnv(['--seed', seed, '--app', 'A0ROTA0001', '--env-out', envOut], { TESSERA_ADMIN_TOKEN: 'the-admin-token' });
    try {
      assert.equal(readFileSync(envOut, 'utf8'), run.stdout, 'the file holds what was printed');
      assert.equal(statSync(envOut).mode & 0o777, 0o600, 'it holds secrets: private');
      assert.match(run.stdout, /^(export [A-Z_]+='[^\n]*'\n)+$/, 'nothing but export lines on standard output');
      // What a shell gets from `source`, quoting and all.
      const shell = execFileSync('bash', ['-c', `source '${envOut}' && env`], { encoding: 'utf8', env: {} });
      const vars = Object.fromEntries(shell.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
      assert.equal(vars['SLACK_CLIENT_SECRET'], "it's a 'quoted' $secret");
      assert.equal(vars['SLACK_APP_ID'], 'A0ROTA0001');
      assert.equal(vars['SLACK_CLIENT_ID'], rotating['client_id']);
      assert.equal(vars['SLACK_SIGNING_SECRET'], rotating['signing_secret']);
      assert.equal(vars['TESSERA_ADMIN_TOKEN'], 'the-admin-token');
      assert.equal(vars['SLACK_API_URL'], `${vars['TESSERA_URL']}/api/`);
      assert.equal(vars['SLACK_AUTHORIZE_URL'], `${vars['TESSERA_URL']}/oauth/v2/authorize`);

      // A suite in another language: install over HTTP, call the Web API, move the clock.
      const admin = (path: string, body: unknown) =>
        fetch(`${vars['TESSERA_URL']}/admin/api/${path}`, { method: 'POST', headers: { authorization: `Bearer ${vars['TESSERA_ADMIN_TOKEN']}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<Record<string, unknown>>);
      const installed = await admin('install', { app_id: vars['SLACK_APP_ID'], exchange: true, client_secret: vars['SLACK_CLIENT_SECRET'] });
      assert.equal(installed['ok'], true, JSON.stringify(installed));
      const client = new WebClient(installed['access_token'] as string, { slackApiUrl: vars['SLACK_API_URL'], retryConfig: { retries: 0 } });
      assert.equal((await client.auth.test()).team_id, 'T0ACME0001');
      await admin('clock', { advance_seconds: 43200 });
      await assert.rejects(client.auth.test(), /token_expired/);
    } finally {
      assert.equal(await run.stop(), 0);
    }
  });

  test('without a fixture: a demo workspace whose owner can sign in; a bad flag is one clear line', async () => {
    const run = await testEnv([]);
    try {
      assert.match(run.stdout, /^export SLACK_CLIENT_ID='\d+\.\d+'$/m);
      assert.match(run.stderr, /sign in at http:\/\/127\.0\.0\.1:\d+\/login as owner@demo\.tessera\.test with password \S+/);
    } finally {
      await run.stop();
    }
    await assert.rejects(testEnv(['--app', 'A0NOPE0001']), /tessera: the fixture has no app A0NOPE0001\n/);
    await assert.rejects(testEnv(['--bogus']), /tessera: Unknown option '--bogus'/);
  });
});
