/**
 * The one source of time for the whole server. Tests and the console move it forward (or set it) so that a
 * 12-hour token expires in a test that takes a second; real time keeps flowing from wherever it was put.
 */
export class Clock {
  #offsetMs = 0;
  readonly #real: () => number;

  constructor(real: () => number = Date.now) {
    this.#real = real;
  }

  now(): number {
    return this.#real() + this.#offsetMs;
  }

  nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  advance(seconds: number): number {
    this.#offsetMs += Math.round(seconds * 1000);
    return this.now();
  }

  set(epochMs: number): number {
    this.#offsetMs = epochMs - this.#real();
    return this.now();
  }

  get offsetMs(): number {
    return this.#offsetMs;
  }

  setOffset(offsetMs: number): void {
    this.#offsetMs = offsetMs;
  }
}
