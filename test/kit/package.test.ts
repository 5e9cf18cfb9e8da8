import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, test } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);
// npm and tsc run on this Node (24): the runner's own directory comes first on their PATH.
const { NODE_TEST_CONTEXT: _, ...baseEnv } = process.env;
const env = { ...baseEnv, PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env['PATH']}`, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
const sh = (file: string, args: string[], cwd: string) => run(file, args, { cwd, env, timeout: 90_000, maxBuffer: 16 * 1024 * 1024 });

/** What a Slack app's own suite does with the published package, in plain JavaScript. */
const CONSUMER = `
import { startTessera } from 'tessera';
const t = await startTessera({ fixture: {
  teams: [{ id: 'T0ACME0001', name: 'Acme', domain: 'acme' }],
  users: [{ id: 'U0ALICE001', team_id: 'T0ACME0001', name: 'alice', real_name: 'Alice', email: 'alice@acme.test', role: 'owner' }],
  apps: [{ id: 'A0PACK0001', name: 'Packed', team_id: 'T0ACME0001', client_id: '1.2', client_secret: 'packed-client-secret', signing_secret: 'packed-signing-secret',
           redirect_urls: ['http://localhost:3000/slack/oauth_redirect'], bot_scopes: ['team:read'], token_rotation: true }],
} });
const installed = await t.install({ app: 'A0PACK0001', exchange: true });
const call = (token) => fetch(t.apiUrl + 'team.info', { method: 'POST', headers: { authorization: 'Bearer ' + token } }).then((r) => r.json());
const before = await call(installed.access_token);
await t.faults.add({ app: 'A0PACK0001', method: 'team.info', error: 'internal_error' });
const faulted = await call(installed.access_token);
await t.clock.advance(43200);
const afterExpiry = await call(installed.access_token);
const logged = t.requests({ app: 'A0PACK0001', method: 'team.info' }).map((r) => r.error);
await t.close();
console.log(JSON.stringify({ team: before.team?.name, afterExpiry: afterExpiry.error, faulted: faulted.error, logged }));
`;

/** Its types, checked as a TypeScript consumer would check them. */
const TYPED = `
import { startTessera, type InstallRedirect, type OAuthAnswer, type TestTessera } from 'tessera';
const t: TestTessera = await startTessera();
const answer: OAuthAnswer = await t.install({ app: 'A', exchange: true });
const redirect: InstallRedirect = await t.install({ app: 'A', user: 'U' });
// @ts-expect-error the redirect URL is a string
const wrong: number = redirect.redirectUrl;
void answer; void wrong;
`;

/** Issue 10's "Done when": npm pack makes a package whose startTessera works from a fresh directory. */
describe('the npm package', () => {
  const work = mkdtempSync(join(tmpdir(), 'tessera-pack-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  test('builds to dist/ with declarations, packs, installs into a fresh directory and starts there', async () => {
    // A copy of what a clean clone holds, so the build never touches the working tree.
    const source = join(work, 'source');
    for (const entry of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md', 'bin', 'src']) cpSync(join(ROOT, entry), join(source, entry), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(source, 'node_modules'), 'dir');
    await sh('npm', ['pack', '--pack-destination', work], source);
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    assert.ok(tarball, 'npm pack made a tarball');

    const { stdout: listing } = await sh('tar', ['-tzf', join(work, tarball)], work);
    const files = listing.trim().split('\n');
    for (const needed of ['package/package.json', 'package/bin/tessera.js', 'package/dist/index.js', 'package/dist/index.d.ts', 'package/dist/kit/start.d.ts', 'package/dist/cli.js']) assert.ok(files.includes(needed), `${needed} ships`);
    assert.deepEqual(files.filter((f) => /^package\/(src|test|examples|bench)\//.test(f) || f.endsWith('.ts') && !f.endsWith('.d.ts')), [], 'no sources, tests or TypeScript beyond declarations');

    const app = join(work, 'app');
    cpSync(join(ROOT, 'README.md'), join(app, 'README.md'));
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'some-slack-app', private: true, type: 'module' }));
    await sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, tarball)], app);

    writeFileSync(join(app, 'suite.mjs'), CONSUMER);
    const { stdout } = await sh(process.execPath, ['suite.mjs'], app);
    assert.deepEqual(JSON.parse(stdout), { team: 'Acme', afterExpiry: 'token_expired', faulted: 'internal_error', logged: [null, 'internal_error', 'token_expired'] });

    writeFileSync(join(app, 'suite.ts'), TYPED);
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'es2024', module: 'nodenext', strict: true, noEmit: true, skipLibCheck: true, typeRoots: [join(ROOT, 'node_modules', '@types')], types: ['node'] }, include: ['suite.ts'] }));
    await sh(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], app);

    const { stdout: usage } = await sh(process.execPath, [join(app, 'node_modules', '.bin', 'tessera'), '--help'], app);
    assert.match(usage, /test-env/, 'the CLI runs from dist/');
  });
});
