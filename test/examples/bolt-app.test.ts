import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..');
const EXAMPLE = join(ROOT, 'examples', 'bolt-app');
const HOOK = join(ROOT, 'test', 'helpers', 'tessera-package.ts');

const INSTALL = 'the install callback stores the installation, and the command works with it';
const EXPIRED = 'token_expired: the bot token is refreshed once, and the command still answers';
const SHORT_LIMIT = 'ratelimited with a short Retry-After: the app waits it out and answers';
const LONG_LIMIT = 'ratelimited for longer than Slack waits for an answer: a polite reply in time, no retry';

/** The example's own suite, run as its README says, with `tessera` answered from this checkout. */
function runSuite(dir: string): Promise<{ code: number | null; outcomes: Map<string, boolean>; output: string }> {
  return new Promise((resolve) => {
    // Without the runner's own marker, which would make the child think it is one of this runner's test files.
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const child = spawn(process.execPath, ['--import', HOOK, '--test', '--test-reporter=tap', 'test/**/*.test.ts'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const outcomes = new Map<string, boolean>();
      for (const m of output.matchAll(/^\s*(not ok|ok) \d+ - (.+?)(?: # .*)?$/gm)) outcomes.set(m[2]!, m[1] === 'ok');
      resolve({ code, outcomes, output });
    });
  });
}

/** A copy of the example with one deliberate bug; the original text must be there, or the breakage tests nothing. */
function brokenCopy(file: string, from: string, to: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-broken-app-'));
  cpSync(EXAMPLE, dir, { recursive: true, filter: (source) => !source.includes('node_modules') });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const path = join(dir, file);
  const text = readFileSync(path, 'utf8');
  assert.equal(text.split(from).length, 2, `${file} no longer contains exactly one ${JSON.stringify(from)}`);
  writeFileSync(path, text.replace(from, to));
  return dir;
}

const BREAKAGES = [
  {
    bug: 'the install callback stores the installation under the member, not the workspace',
    file: 'src/installations.ts',
    from: 'installation.team?.id), installation);',
    to: 'installation.user.id), installation);',
    fail: [INSTALL],
    pass: [],
  },
  {
    bug: 'token_expired is not answered with a refresh',
    file: 'src/slack-calls.ts',
    from: "if (slackError(error) !== 'token_expired') throw error;",
    to: 'throw error;',
    fail: [EXPIRED],
    pass: [INSTALL, SHORT_LIMIT, LONG_LIMIT],
  },
  {
    bug: 'ratelimited is never retried',
    file: 'src/slack-calls.ts',
    from: 'if (!isRateLimited(error) || error.retryAfter > LONGEST_WAIT_SECONDS) throw error;',
    to: 'throw error;',
    fail: [SHORT_LIMIT],
    pass: [INSTALL, EXPIRED, LONG_LIMIT],
  },
];

/** Issue 10's "Done when": the example's tests pass, and fail when the app is broken in each of three ways. */
describe('the Bolt example app and its test suite', () => {
  const copies = BREAKAGES.map((b) => brokenCopy(b.file, b.from, b.to));
  after(() => copies.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  // The four runs are independent processes: started together, they take as long as one.
  const runs = [runSuite(EXAMPLE), ...copies.map(runSuite)];

  test('its suite passes as written', async () => {
    const run = await runs[0]!;
    assert.equal(run.code, 0, run.output);
    for (const name of [INSTALL, EXPIRED, SHORT_LIMIT, LONG_LIMIT]) assert.equal(run.outcomes.get(name), true, `${name}\n${run.output}`);
  });

  BREAKAGES.forEach((breakage, i) => {
    test(`its suite fails when ${breakage.bug}`, async () => {
      const run = await runs[i + 1]!;
      assert.notEqual(run.code, 0, run.output);
      for (const name of breakage.fail) assert.equal(run.outcomes.get(name), false, `"${name}" should fail\n${run.output}`);
      for (const name of breakage.pass) assert.equal(run.outcomes.get(name), true, `"${name}" should still pass\n${run.output}`);
    });
  });
});
