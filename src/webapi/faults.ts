import { SlackError } from '../domain/errors.ts';

export interface Fault {
  id: number;
  /** The app whose calls fail; null for every app. */
  appId: string | null;
  /** The method that fails; null for every method. */
  method: string | null;
  /** Slack's error code to answer, or 'ratelimited' with retryAfter. */
  error: string;
  retryAfter: number | null;
  /** How many more calls it answers; it is gone after the last. */
  remaining: number;
}

/**
 * Fault injection (slack-compat.md §12): answer an app's next N calls of a method with a given error, or rate-limit
 * them, so a test can prove its app handles Slack's bad days. Kept in the memory of the process that answers.
 */
export class Faults {
  readonly #faults: Fault[] = [];
  #next = 1;

  add(f: { appId?: string | null; method?: string | null; error: string; times?: number }): Fault {
    if (!/^[a-z_]{1,64}$/.test(f.error)) throw new RangeError('error must be a Slack error code such as internal_error');
    return this.#push({ appId: f.appId ?? null, method: f.method ?? null, error: f.error, retryAfter: null, remaining: f.times ?? 1 });
  }

  rateLimit(f: { appId?: string | null; method?: string | null; retryAfter?: number; times?: number }): Fault {
    return this.#push({ appId: f.appId ?? null, method: f.method ?? null, error: 'ratelimited', retryAfter: Math.max(1, Math.round(f.retryAfter ?? 30)), remaining: f.times ?? 1 });
  }

  #push(f: Omit<Fault, 'id'>): Fault {
    if (!Number.isInteger(f.remaining) || f.remaining < 1 || f.remaining > 1_000_000) throw new RangeError('times must be a whole number from 1');
    const fault = { id: this.#next++, ...f };
    this.#faults.push(fault);
    return fault;
  }

  list(): readonly Fault[] {
    return this.#faults;
  }

  clear(): void {
    this.#faults.length = 0;
  }

  /** Throws the first matching fault's error, spending one of its calls. */
  check(appId: string | null, method: string): void {
    if (this.#faults.length === 0) return;
    const i = this.#faults.findIndex((f) => (f.appId === null || f.appId === appId) && (f.method === null || f.method === method));
    if (i === -1) return;
    const fault = this.#faults[i]!;
    if (--fault.remaining === 0) this.#faults.splice(i, 1);
    throw new SlackError(fault.error, undefined, fault.retryAfter ?? undefined);
  }
}
