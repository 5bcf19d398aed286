/**
 * The bound on CGI scripts running at once (`--cgi-max-processes`), so that
 * a flood of requests cannot fork-bomb the machine: a request takes a slot
 * to spawn its script and gives it back once the script has been reaped.
 * Requests past the bound wait in arrival order, up to `--cgi-queue-limit`;
 * past that they are refused at once (503).
 *
 * Only counting and ordering: no processes, no timers, no responses.
 */

/** A request's place: running now, waiting, or turned away. */
export type SlotTicket = { readonly kind: 'started' } | { readonly kind: 'queued'; cancel(): void } | { readonly kind: 'full' };

interface Waiter {
  readonly start: () => void;
  isCancelled: boolean;
}

export class ProcessSlots {
  readonly #max: number;
  readonly #queueLimit: number;
  #running = 0;
  #waiting: Waiter[] = [];
  #waitingCount = 0;

  constructor(max: number, queueLimit: number) {
    this.#max = max;
    this.#queueLimit = queueLimit;
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waitingCount;
  }

  /** Calls `start` now (synchronously) or when a slot frees; `start` owns one slot until `release`. */
  acquire(start: () => void): SlotTicket {
    if (this.#running < this.#max) {
      this.#running++;
      start();
      return STARTED;
    }
    if (this.#waitingCount >= this.#queueLimit) return FULL;
    const waiter: Waiter = { start, isCancelled: false };
    this.#waiting.push(waiter);
    this.#waitingCount++;
    return {
      kind: 'queued',
      cancel: () => {
        if (waiter.isCancelled) return;
        waiter.isCancelled = true;
        this.#waitingCount--;
      },
    };
  }

  /** A script was reaped: its slot goes to the oldest waiter still there. */
  release(): void {
    for (;;) {
      const next = this.#waiting.shift();
      if (next === undefined) break;
      if (next.isCancelled) continue;
      this.#waitingCount--;
      next.isCancelled = true; // started: a late cancel() must not count it again
      next.start();
      return;
    }
    this.#running--;
  }

  /** Forget every waiter (shutdown: their requests are answered by whoever queued them). */
  drain(): void {
    for (const waiter of this.#waiting) waiter.isCancelled = true;
    this.#waiting = [];
    this.#waitingCount = 0;
  }
}

const STARTED: SlotTicket = Object.freeze({ kind: 'started' });
const FULL: SlotTicket = Object.freeze({ kind: 'full' });
