/**
 * Which worker gets the next request. Least-loaded first, never more than
 * maxInFlight streams on one worker, and never a worker all of whose threads
 * are on streams out longer than stallMs: a fast request must not wait
 * behind a slow one (DESIGN.md, "The worker wire protocol").
 * Requests no worker can take now wait here, in arrival order.
 */
import type { Worker } from './worker.js';

/** A request waiting for a worker; `start` sends it to the one chosen. */
export interface Job {
  start(worker: Worker): void;
  /** The request can no longer be served (pool closed); answer it now. */
  abandon(): void;
}

export class Pool {
  readonly #workers: Worker[] = [];
  readonly #maxInFlight: number;
  readonly #stallMs: number;
  readonly #threads: number;
  #queue: Job[] = [];
  #queueHead = 0;
  #isClosed = false;

  constructor(options: { maxInFlight: number; stallMs: number; threads: number }) {
    this.#maxInFlight = options.maxInFlight;
    this.#stallMs = options.stallMs;
    this.#threads = options.threads;
  }

  get size(): number {
    return this.#workers.length;
  }

  get queued(): number {
    return this.#queue.length - this.#queueHead;
  }

  /** A worker is ready for requests. */
  add(worker: Worker): void {
    this.#workers.push(worker);
    this.drain();
  }

  /** A worker takes no more requests (stopping or dead). */
  remove(worker: Worker): void {
    const at = this.#workers.indexOf(worker);
    if (at >= 0) this.#workers.splice(at, 1);
  }

  submit(job: Job): void {
    if (this.#isClosed) {
      job.abandon();
      return;
    }
    if (this.queued === 0) {
      const worker = this.#pick(performance.now());
      if (worker !== undefined) {
        job.start(worker);
        return;
      }
    }
    this.#queue.push(job);
  }

  /** A request a worker handed back unstarted: it goes first. */
  requeue(job: Job): void {
    if (this.#queueHead > 0) this.#queue[--this.#queueHead] = job;
    else this.#queue.unshift(job);
    this.drain();
  }

  /** Give queued requests to workers that can take them (a slot freed up). */
  drain(): void {
    if (this.queued === 0) return;
    const now = performance.now();
    while (this.#queueHead < this.#queue.length) {
      const worker = this.#pick(now);
      if (worker === undefined) break;
      const job = this.#queue[this.#queueHead] as Job;
      this.#queue[this.#queueHead++] = undefined as unknown as Job;
      job.start(worker);
    }
    if (this.#queueHead === this.#queue.length) {
      this.#queue = [];
      this.#queueHead = 0;
    } else if (this.#queueHead > 1024 && this.#queueHead * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#queueHead);
      this.#queueHead = 0;
    }
  }

  /** Stop taking requests; every queued one is abandoned. */
  close(): void {
    this.#isClosed = true;
    const jobs = this.#queue.slice(this.#queueHead);
    this.#queue = [];
    this.#queueHead = 0;
    for (const job of jobs) job.abandon();
  }

  #pick(now: number): Worker | undefined {
    let best: Worker | undefined;
    for (const worker of this.#workers) {
      const load = worker.inFlight;
      if (load >= this.#maxInFlight) continue;
      if (load > 0 && now - worker.oldestSentAt > this.#stallMs && worker.isStalled(now, this.#stallMs, this.#threads)) continue;
      if (best === undefined || load < best.inFlight) best = worker;
      if (load === 0) break;
    }
    return best;
  }
}
