import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** `tessera` as a user runs it: separate processes, for the CLI tests and the multi-process races. */
const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli.ts');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000, stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, TESSERA_LOG_LEVEL: 'silent', ...env }, stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    if (stdin !== undefined) child.stdin!.end(stdin);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c) => (stdout += c));
    child.stderr!.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts `tessera serve`, waits for its "listening" log line, and returns its URL and a stop function. */
export function serve(args: string[], env: Record<string, string> = {}): Promise<{ url: string; output: () => string; stop: () => Promise<number | null>; kill: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], { env: { ...process.env, TESSERA_LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no listening line within 10 s:\n${output}`));
    }, 10_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      const line = /"url":"(http:\/\/[^"]+)".*"msg":"tessera is listening"/.exec(output);
      if (line) {
        clearTimeout(timer);
        resolve({
          url: line[1]!,
          output: () => output,
          stop: () => new Promise((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done(child.exitCode);
            child.once('close', (code) => done(code));
            child.kill('SIGTERM');
          }),
          /** SIGKILL: no shutdown code runs, as in a crash. */
          kill: () => new Promise<void>((done) => {
            child.once('close', () => done());
            child.kill('SIGKILL');
          }),
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before listening:\n${output}`));
    });
  });
}

