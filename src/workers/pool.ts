/**
 * Which worker gets the next stream. Least-loaded first, never more than
 * maxInFlight streams on one worker, and never a worker all of whose threads
 * are on streams out longer than stallMs: a fast request must not wait
 * behind a slow one (DESIGN.md, "The worker wire protocol").
 *
 * Requests no worker can take now wait here, in arrival order, in a bounded
 * queue: one more than queueLimit gets 503 at once, and one that waited
 * queueTimeoutMs gets 503 (mod_wsgi's queue-timeout; docs/supervision.md).
 * A request a worker handed back unstarted keeps its arrival time: it goes
 * back in arrival order (before everything that came after it), and its
 * wait counts from when it first came, however often it is handed back.
 */
import type { Worker } from './worker.js';

/** A request waiting for a worker; `start` sends it to the one chosen. */
export interface Job {
  /** performance.now() when the pool first had it: set by submit(), kept by a hand-back. */
  submittedAt: number;
  start(worker: Worker): void;
  /** The request can no longer be served (queue full, waited too long, shutting down); answer 503 now. */
  abandon(why: string): void;
}

export interface PoolOptions {
  readonly maxInFlight: number;
  readonly stallMs: number;
  readonly threads: number;
  /** 0: wait as long as it takes. */
  readonly queueTimeoutMs: number;
  readonly queueLimit: number;
}

export class Pool {
  readonly #workers: Worker[] = [];
  #options: PoolOptions;
  #queue: Job[] = [];
  #queueHead = 0;
  #isClosed = false;
  #expiryTimer: NodeJS.Timeout | null = null;
  /** performance.now() at which the armed timer fires. */
  #expiryDueAt = 0;

  constructor(options: PoolOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#workers.length;
  }

  get queued(): number {
    return this.#queue.length - this.#queueHead;
  }

  /** New limits (SIGHUP); requests already waiting keep their place. */
  configure(options: PoolOptions): void {
    this.#options = options;
    this.#armExpiry();
    this.drain();
  }

  /** A worker is ready for requests. */
  add(worker: Worker): void {
    if (!this.#workers.includes(worker)) this.#workers.push(worker);
    this.drain();
  }

  /** A worker takes no more requests (retiring or dead); the streams it has go on. */
  remove(worker: Worker): void {
    const at = this.#workers.indexOf(worker);
    if (at >= 0) this.#workers.splice(at, 1);
  }

  submit(job: Job): void {
    if (this.#isClosed) {
      job.abandon('no worker available (shutting down)');
      return;
    }
    const now = performance.now();
    job.submittedAt = now;
    if (this.queued === 0) {
      const worker = this.#pick(now);
      if (worker !== undefined) {
        job.start(worker);
        return;
      }
    }
    if (this.queued >= this.#options.queueLimit) {
      job.abandon(`no worker available and ${this.queued} requests already waiting (--queue-limit)`);
      return;
    }
    this.#queue.push(job);
    if (this.queued === 1) this.#armExpiry();
  }

  /** A request a worker handed back unstarted: back in its arrival order, its clock still running. */
  requeue(job: Job): void {
    const since = job.submittedAt;
    // Usually older than everything queued: it goes first. Several handed back
    // at once arrive in their own order, each after the ones before it.
    let at = this.#queueHead;
    while (at < this.#queue.length && (this.#queue[at] as Job).submittedAt <= since) at++;
    if (at === this.#queueHead && this.#queueHead > 0) this.#queue[--this.#queueHead] = job;
    else this.#queue.splice(at, 0, job);
    this.drain();
    this.#armExpiry();
  }

  /** Give queued requests to workers that can take them (a slot freed up). */
  drain(): void {
    if (this.queued === 0) return;
    const now = performance.now();
    while (this.#queueHead < this.#queue.length) {
      const worker = this.#pick(now);
      if (worker === undefined) break;
      const job = this.#shift();
      job.start(worker);
    }
    this.#compact();
  }

  /** Stop taking requests; every queued one is abandoned. */
  close(): void {
    this.#isClosed = true;
    this.#clearExpiry();
    const waiting = this.#queue.slice(this.#queueHead);
    this.#queue = [];
    this.#queueHead = 0;
    for (const job of waiting) job.abandon('no worker available (shutting down)');
  }

  #shift(): Job {
    const job = this.#queue[this.#queueHead] as Job;
    this.#queue[this.#queueHead++] = undefined as unknown as Job;
    return job;
  }

  #compact(): void {
    if (this.#queueHead === this.#queue.length) {
      this.#queue = [];
      this.#queueHead = 0;
    } else if (this.#queueHead > 1024 && this.#queueHead * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#queueHead);
      this.#queueHead = 0;
    }
  }

  /**
   * One timer, for the request that has waited longest: the queue is in
   * arrival order, so the first. A timer already due no later than that is
   * left alone (it re-arms when it fires), so that a queue filling and
   * emptying all the time under load does not create a timer each time.
   */
  #armExpiry(): void {
    const timeoutMs = this.#options.queueTimeoutMs;
    if (timeoutMs === 0 || this.#isClosed) {
      this.#clearExpiry();
      return;
    }
    if (this.queued === 0) return;
    const dueAt = (this.#queue[this.#queueHead] as Job).submittedAt + timeoutMs;
    if (this.#expiryTimer !== null && this.#expiryDueAt <= dueAt) return;
    this.#clearExpiry();
    this.#expiryDueAt = dueAt;
    this.#expiryTimer = setTimeout(this.#expire, Math.max(0, dueAt - performance.now()));
  }

  #clearExpiry(): void {
    if (this.#expiryTimer !== null) clearTimeout(this.#expiryTimer);
    this.#expiryTimer = null;
  }

  readonly #expire = (): void => {
    this.#expiryTimer = null;
    const limit = performance.now() - this.#options.queueTimeoutMs;
    const waiting = this.#queue.slice(this.#queueHead);
    this.#queue = waiting.filter((job) => job.submittedAt > limit);
    this.#queueHead = 0;
    const seconds = this.#options.queueTimeoutMs / 1000;
    for (const job of waiting) {
      if (job.submittedAt <= limit) job.abandon(`waited ${seconds}s for a worker (--queue-timeout)`);
    }
    this.#armExpiry();
  };

  #pick(now: number): Worker | undefined {
    const { maxInFlight, stallMs, threads } = this.#options;
    let best: Worker | undefined;
    for (const worker of this.#workers) {
      if (worker.state !== 'ready') continue; // exited, its exit not yet settled
      const load = worker.inFlight;
      if (load >= maxInFlight) continue;
      if (load > 0 && now - worker.oldestSentAt > stallMs && worker.isStalled(now, stallMs, threads)) continue;
      if (best === undefined || load < best.inFlight) best = worker;
      if (load === 0) break;
    }
    return best;
  }
}
