/**
 * Slows down password guessing, per account and per client address: after a few failures each further attempt
 * must wait, twice as long each time (up to a minute), until the failures are 15 minutes old. In memory, per
 * process; the delays stop online guessing while letting a member who mistyped try again soon.
 */
interface Record {
  failures: number;
  lastFailure: number;
  nextAllowed: number;
}

const WINDOW_MS = 15 * 60 * 1000;
const MAX_DELAY_MS = 60_000;
const MAX_ENTRIES = 50_000;

export class LoginThrottle {
  readonly #records = new Map<string, Record>();
  readonly #now: () => number;
  readonly #freeFailures: { account: number; address: number };

  constructor(now: () => number = Date.now, freeFailures = { account: 3, address: 10 }) {
    this.#now = now;
    this.#freeFailures = freeFailures;
  }

  /** Seconds to wait before another attempt for this account or address (0: go ahead). */
  waitSeconds(account: string, address: string): number {
    const now = this.#now();
    let wait = 0;
    for (const key of [`a:${account}`, `i:${address}`]) {
      const r = this.#records.get(key);
      if (!r) continue;
      if (now - r.lastFailure > WINDOW_MS) this.#records.delete(key);
      else wait = Math.max(wait, r.nextAllowed - now);
    }
    return Math.ceil(wait / 1000);
  }

  fail(account: string, address: string): void {
    const now = this.#now();
    this.#bump(`a:${account}`, this.#freeFailures.account, now);
    this.#bump(`i:${address}`, this.#freeFailures.address, now);
  }

  succeed(account: string): void {
    this.#records.delete(`a:${account}`);
  }

  #bump(key: string, free: number, now: number): void {
    let r = this.#records.get(key);
    if (!r || now - r.lastFailure > WINDOW_MS) r = { failures: 0, lastFailure: now, nextAllowed: now };
    r.failures++;
    r.lastFailure = now;
    if (r.failures >= free) r.nextAllowed = now + Math.min(MAX_DELAY_MS, 1000 * 2 ** (r.failures - free));
    this.#records.delete(key);
    if (this.#records.size >= MAX_ENTRIES) this.#records.delete(this.#records.keys().next().value!);
    this.#records.set(key, r);
  }
}
