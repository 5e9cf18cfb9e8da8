import type { TestServer } from './server.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** Moves Tessera's clock through the admin API, as a test suite outside this repository would. */
export async function moveClock(server: TestServer, seconds: number): Promise<string> {
  const response = await fetch(`${server.url}/admin/api/clock`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ advance_seconds: seconds }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as { ok: boolean; now: string; error?: string };
  if (!body.ok) throw new Error(`the clock did not move: ${body.error}`);
  return body.now;
}

/**
 * Runs `fn` with Date.now shifted by `seconds`, for SDK code (InstallProvider) that reads the wall clock itself.
 * Tessera's own clock captured the real Date.now when it was built, so only the SDK's view moves.
 */
export async function withSdkTimeShifted<T>(seconds: number, fn: () => Promise<T>): Promise<T> {
  const real = Date.now;
  Date.now = () => real() + seconds * 1000;
  try {
    return await fn();
  } finally {
    Date.now = real;
  }
}

/** Puts Tessera's clock back to real time (for afterEach, so one failing test cannot shift the next). */
export async function resetClock(server: TestServer): Promise<void> {
  const response = await fetch(`${server.url}/admin/api/clock`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ now: new Date().toISOString() }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`the clock was not reset: HTTP ${response.status}`);
}
