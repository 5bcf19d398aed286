/**
 * Every worker process the arbiter has, in spawn order (oldest first), and
 * which of them were told to go: retired (STOP, they finish their streams) or
 * discarded (killed before they served anything). It keeps the books; the
 * arbiter decides.
 */
import type { Pool } from './pool.js';
import type { Worker } from './worker.js';

export class Roster {
  readonly #pool: Pool;
  readonly #workers = new Set<Worker>();
  readonly #leaving = new WeakSet<Worker>();
  #onEmpty: (() => void) | null = null;

  constructor(pool: Pool) {
    this.#pool = pool;
  }

  get size(): number {
    return this.#workers.size;
  }

  get pids(): number[] {
    return [...this.#workers].map((worker) => worker.pid);
  }

  [Symbol.iterator](): IterableIterator<Worker> {
    return this.#workers.values();
  }

  add(worker: Worker): void {
    this.#workers.add(worker);
  }

  /** It exited: forget it (and the pool does too). */
  remove(worker: Worker): void {
    this.#workers.delete(worker);
    this.#pool.remove(worker);
    if (this.#workers.size === 0 && this.#onEmpty !== null) {
      const done = this.#onEmpty;
      this.#onEmpty = null;
      done();
    }
  }

  /** True once it was retired or discarded: its exit is expected. */
  isLeaving(worker: Worker): boolean {
    return this.#leaving.has(worker);
  }

  /** Workers of this generation that are not leaving, oldest first, without `except`. */
  live(generation: number, except: Worker | null): Worker[] {
    return [...this.#workers].filter((worker) =>
      worker.generation === generation && worker.state !== 'exited' && !this.#leaving.has(worker) && worker !== except);
  }

  /** Out of the pool, STOP: it finishes the streams it has, then exits; killed if it takes longer than graceMs. */
  retire(worker: Worker, graceMs: number): void {
    if (this.#leaving.has(worker)) return;
    this.#leaving.add(worker);
    this.#pool.remove(worker);
    worker.stop();
    setTimeout(() => worker.kill('SIGKILL'), graceMs).unref();
  }

  /** Killed before it served anything (a reload that failed or was superseded, or shutdown). */
  discard(worker: Worker): void {
    this.#leaving.add(worker);
    this.#pool.remove(worker);
    worker.kill('SIGKILL');
  }

  killAll(): void {
    for (const worker of this.#workers) worker.kill('SIGKILL');
  }

  /** Resolves once every worker has exited. */
  whenEmpty(): Promise<void> {
    if (this.#workers.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#onEmpty = resolve;
    });
  }
}
