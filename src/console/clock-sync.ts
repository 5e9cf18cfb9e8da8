import type { Clock } from '../domain/clock.ts';
import type { SettingsRepository } from '../store/settings.ts';
import type { Logger } from '../log.ts';

const KEY = 'clock_offset_ms';
const MAX_OFFSET_MS = 100 * 365 * 24 * 3600 * 1000;

/**
 * Keeps the movable clock shared: a move is written to the store, and every process of the deployment picks it
 * up within `pollMs`, so two Tessera processes never disagree about whether a token has expired for long.
 */
export class ClockSync {
  readonly #clock: Clock;
  readonly #settings: SettingsRepository;
  readonly #logger: Logger;
  #appliedAt = -1;
  #timer: NodeJS.Timeout | undefined;

  constructor(clock: Clock, settings: SettingsRepository, logger: Logger) {
    this.#clock = clock;
    this.#settings = settings;
    this.#logger = logger;
  }

  /** Reads the shared offset; only a write newer than the last one applied here wins. */
  async load(): Promise<void> {
    const stored = await this.#settings.get(KEY);
    if (stored === null || stored.updatedAt <= this.#appliedAt) return;
    const offset = Number(stored.value);
    if (!Number.isFinite(offset)) return;
    this.#appliedAt = stored.updatedAt;
    this.#clock.setOffset(offset);
  }

  start(pollMs = 1_000): void {
    this.#timer = setInterval(() => {
      this.load().catch((error: Error) => this.#logger.warn({ err: { message: error.message } }, 'could not read the shared clock'));
    }, pollMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Moves the clock by `seconds` (negative moves it back). */
  advance(seconds: number): Promise<number> {
    return this.#write(this.#clock.offsetMs + Math.round(seconds * 1000));
  }

  /** Puts the clock at `epochMs`; real time flows on from there. */
  set(epochMs: number): Promise<number> {
    return this.#write(epochMs - (this.#clock.now() - this.#clock.offsetMs));
  }

  async #write(offsetMs: number): Promise<number> {
    if (!Number.isFinite(offsetMs) || Math.abs(offsetMs) > MAX_OFFSET_MS) throw new RangeError('the clock can move at most 100 years from real time');
    // Real time orders the writes of several processes; the applied mark keeps a slower poll from undoing this one.
    const writtenAt = Math.max(Date.now(), this.#appliedAt + 1);
    await this.#settings.put(KEY, String(offsetMs), writtenAt);
    this.#appliedAt = writtenAt;
    this.#clock.setOffset(offsetMs);
    return this.#clock.now();
  }
}
