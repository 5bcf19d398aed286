/**
 * A generation of workers booting before it may serve: at start, and on each
 * reload (SIGHUP, --reload). It commits once all of its workers are READY.
 * It aborts at the first app load error, at a worker that exits on its own
 * before READY, or at --worker-boot-timeout: its workers are then killed
 * before they served anything, and (after start) the old generation keeps
 * serving. A worker killed from outside while booting is replaced within it.
 *
 * The arbiter does the spawning and the serving; this only keeps the count.
 */
import { StartupError } from '../startup-error.js';
import type { Generation } from './generation.js';
import type { Worker } from './worker.js';

export interface StagingOutcome {
  committed(): void;
  aborted(error: StartupError): void;
  /** Kill a worker of this generation that must never serve. */
  discard(worker: Worker): void;
}

export class Staging {
  readonly generation: Generation;
  readonly workers = new Set<Worker>();
  readonly #outcome: StagingOutcome;
  readonly #timer: NodeJS.Timeout;
  #isOver = false;

  constructor(generation: Generation, outcome: StagingOutcome) {
    this.generation = generation;
    this.#outcome = outcome;
    const { bootTimeoutMs } = generation.config.workers;
    this.#timer = setTimeout(() => this.abort(new StartupError('XGI_WORKER_BOOT_TIMEOUT',
      `workers did not load the app within ${bootTimeoutMs / 1000}s (raise --worker-boot-timeout)`)), bootTimeoutMs);
  }

  /** One of its workers said READY. */
  onReady(): void {
    let ready = 0;
    for (const worker of this.workers) if (worker.state === 'ready') ready++;
    if (this.#isOver || ready < this.generation.config.workers.count) return;
    this.#isOver = true;
    clearTimeout(this.#timer);
    this.#outcome.committed();
  }

  /** One of its workers exited; returns true when it should be replaced (it was killed from outside). */
  onExit(worker: Worker, code: number | null, signal: NodeJS.Signals | null): boolean {
    this.workers.delete(worker);
    if (this.#isOver) return false;
    if (!worker.hasBeenReady && signal === null) {
      // The app's own failure (its BOOT_ERROR usually aborted us already).
      this.abort(new StartupError('XGI_WORKER_BOOT_ERROR',
        `worker ${worker.pid} exited during boot (code ${code}); see the lines above`));
      return false;
    }
    return true;
  }

  abort(error: StartupError): void {
    if (this.#isOver) return;
    this.discard();
    this.#outcome.aborted(error);
  }

  /** Kill its workers (shutting down, or aborted). */
  discard(): void {
    this.#isOver = true;
    clearTimeout(this.#timer);
    for (const worker of this.workers) this.#outcome.discard(worker);
  }
}
