import type { Fault, Faults } from '../webapi/faults.ts';
import { METHODS } from '../webapi/methods/index.ts';

export interface FaultTarget {
  /** The app whose calls fail (its id or client id); every app when left out. */
  app?: string;
  /** The Web API method that fails, e.g. `chat.postMessage`; every method when left out. */
  method?: string;
  /** How many calls it answers (1 by default); then it is gone. */
  times?: number;
}

/**
 * Fault injection for a test suite. An app or method that does not exist is refused at once: a fault that can
 * never fire would let a test pass without testing anything.
 */
export class KitFaults {
  readonly #faults: Faults;
  readonly #appId: (app: string) => Promise<string | null>;

  /** `appId` finds an app by its id or client id. */
  constructor(faults: Faults, appId: (app: string) => Promise<string | null>) {
    this.#faults = faults;
    this.#appId = appId;
  }

  /** Answers the next calls with `{"ok": false, "error": error}`. */
  async add(f: FaultTarget & { error: string }): Promise<Fault> {
    return this.#faults.add({ ...(await this.#target(f)), error: f.error });
  }

  /** Answers the next calls with HTTP 429, `Retry-After: retryAfter` (seconds, 30 by default) and `ratelimited`. */
  async rateLimit(f: FaultTarget & { retryAfter?: number }): Promise<Fault> {
    return this.#faults.rateLimit({ ...(await this.#target(f)), retryAfter: f.retryAfter });
  }

  /** The faults still waiting for calls. */
  list(): readonly Fault[] {
    return [...this.#faults.list()];
  }

  clear(): void {
    this.#faults.clear();
  }

  async #target(f: FaultTarget): Promise<{ appId: string | null; method: string | null; times: number | undefined }> {
    if (f.method !== undefined && !METHODS.some((m) => m.name === f.method)) throw new RangeError(`Tessera has no Web API method ${f.method}`);
    let appId: string | null = null;
    if (f.app !== undefined) {
      appId = await this.#appId(f.app);
      if (appId === null) throw new RangeError(`there is no app ${f.app}`);
    }
    return { appId, method: f.method ?? null, times: f.times };
  }
}
