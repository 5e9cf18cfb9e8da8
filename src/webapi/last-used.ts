import type { Logger } from '../log.ts';

/**
 * When each token was last used, for the console, without a database write per call: uses are remembered in
 * memory and written in one statement every few seconds (and at shutdown).
 */
export class LastUsed {
  readonly #pending = new Map<string, number>();
  readonly #write: (digests: string[], at: number) => Promise<void>;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;

  constructor(write: (digests: string[], at: number) => Promise<void>, logger: Logger) {
    this.#write = write;
    this.#logger = logger;
  }

  start(everyMs = 5_000): void {
    this.#timer = setInterval(() => void this.flush(), everyMs);
    this.#timer.unref();
  }

  used(digest: string, at: number): void {
    if (this.#pending.size < 100_000 || this.#pending.has(digest)) this.#pending.set(digest, at);
  }

  async flush(): Promise<void> {
    if (this.#pending.size === 0) return;
    const entries = [...this.#pending];
    this.#pending.clear();
    // One write per flush: the latest time seen in this batch stands for all (a few seconds of precision is plenty).
    const at = Math.max(...entries.map(([, t]) => t));
    try {
      for (let i = 0; i < entries.length; i += 500) await this.#write(entries.slice(i, i + 500).map(([d]) => d), at);
    } catch (error) {
      this.#logger.warn({ err: { message: (error as Error).message } }, 'could not record when tokens were last used');
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}
