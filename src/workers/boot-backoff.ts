/**
 * Exponential back-off for workers that keep dying before READY after xgi
 * has started (an app broken on disk, a database down at import time): the
 * next boot waits 0.1 s after the first such death, then twice as long after
 * each further one, up to MAX_DELAY_MS. A worker that reaches READY resets it. The
 * initial boot does not use this: there, a boot error stops xgi.
 */
const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 10_000;

export class BootBackoff {
  #failures = 0;
  /** performance.now() before which no worker should be spawned. */
  #notBefore = 0;

  /** Consecutive boot failures so far. */
  get failures(): number {
    return this.#failures;
  }

  /** ms to wait before the next spawn (0: now). */
  delayMs(now: number): number {
    return Math.max(0, this.#notBefore - now);
  }

  /** A worker died during boot: returns the delay before the next one, in ms. */
  failed(now: number): number {
    this.#failures++;
    const delay = Math.min(FIRST_DELAY_MS * 2 ** (this.#failures - 1), MAX_DELAY_MS);
    this.#notBefore = now + delay;
    return delay;
  }

  succeeded(): void {
    this.#failures = 0;
    this.#notBefore = 0;
  }
}
