/**
 * The arbiter: owns the worker processes of one app, with gunicorn's verbs.
 * It spawns them, reaps the dead and spawns their replacements (with
 * back-off for workers that keep dying at boot), murders a worker silent on
 * a request past --timeout, manages the count (SIGTTIN/SIGTTOU), recycles one
 * worker at a time (--max-requests, --max-worker-lifetime, memory), and
 * reloads (SIGHUP) by staging a new generation of workers that takes over only
 * once all of it is READY. An app that cannot even import halts xgi at start
 * (gunicorn's APP_LOAD_ERROR) and fails only the reload afterwards.
 *
 * It does not route requests (pool.ts), speak frames (worker.ts), start
 * processes (generation.ts, zygote.ts), nor read signals (signals.ts) or
 * /proc (memory.ts). docs/supervision.md tells the whole story.
 */
import type { Logger } from '../log/logger.js';
import { StartupError } from '../startup-error.js';
import { BootBackoff } from './boot-backoff.js';
import { createGeneration, launchWorker, poolOptions, type ArbiterConfig, type Generation } from './generation.js';
import { spawnError, type Launcher } from './launcher.js';
import { Pool } from './pool.js';
import { Roster } from './roster.js';
import { Staging } from './staging.js';
import { createScratchDir, removeScratchDir } from './scratch-dir.js';
import type { Worker, WorkerEvents } from './worker.js';
import { judgeWorker } from './worker-limits.js';

/** How often murder, boot timeouts and lifetimes are checked (the resolution of --max-worker-lifetime). */
const TICK_MS = 1000;
/** Between SIGABRT (Python dumps where it hung) and SIGKILL for a murdered worker. */
const ABORT_GRACE_MS = 1000;

export interface ArbiterHooks {
  /** The Python files the app loaded (after each boot, with --reload). */
  modulesLoaded(files: readonly string[]): void;
}

export class Arbiter {
  readonly pool: Pool;
  readonly #log: Logger;
  readonly #hooks: ArbiterHooks;
  readonly #firstConfig: ArbiterConfig;
  readonly #scratchDir = createScratchDir(process.pid);
  readonly #workers: Roster;
  readonly #launchers = new Set<Launcher>();
  readonly #backoff = new BootBackoff();
  #generation: Generation | null = null;
  #staging: Staging | null = null;
  #count: number;
  /** The worker being recycled: it serves until a replacement is READY. */
  #due: Worker | null = null;
  #phase: 'starting' | 'running' | 'stopping' = 'starting';
  #tickTimer: NodeJS.Timeout | null = null;
  #spawnTimer: NodeJS.Timeout | null = null;
  #nextGeneration = 1;
  #reloadWhenStarted: ArbiterConfig | null = null;

  constructor(config: ArbiterConfig, log: Logger, hooks: ArbiterHooks = { modulesLoaded: () => {} }) {
    this.#firstConfig = config;
    this.#count = config.workers.count;
    this.#log = log;
    this.#hooks = hooks;
    this.pool = new Pool(poolOptions(config));
    this.#workers = new Roster(this.pool);
  }

  /** Spawn the workers; resolves once all are READY, rejects with the boot error. */
  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#stage(this.#firstConfig, { committed: resolve, aborted: reject });
    });
  }

  /** pids of the live workers. */
  get pids(): number[] {
    return this.#workers.pids;
  }

  /** SIGHUP: new workers with this config take over once all are READY; if they cannot, the old ones stay. */
  reload(config: ArbiterConfig): void {
    if (this.#phase === 'starting') {
      this.#reloadWhenStarted = config; // after the first generation is up
      return;
    }
    if (this.#phase !== 'running') return;
    this.#staging?.abort(new StartupError('XGI_RELOAD_SUPERSEDED', 'a newer reload replaced it'));
    this.#stage(config, {
      committed: () => this.#log.info(`Reloaded: ${config.workers.count} new worker(s) serving; the old ones finish their requests`),
      aborted: (error) => {
        if (error.details !== '') this.#log.error(error.details);
        this.#log.error(`Reload failed: ${error.message}; the old workers keep serving`);
      },
    });
  }

  /** SIGTTIN. */
  addWorker(): void {
    this.#count++;
    this.#manageWorkers();
  }

  /** SIGTTOU: never below one. */
  removeWorker(): void {
    if (this.#count <= 1) return;
    this.#count--;
    this.#manageWorkers();
  }

  /** Replace this worker once a replacement is READY (--max-worker-memory; one at a time). */
  recycle(pid: number, why: string): void {
    for (const worker of this.#workers) if (worker.pid === pid) this.#recycle(worker, why);
  }

  /** Graceful stop: workers finish their streams, then exit; killed after graceMs. */
  async stop(graceMs: number): Promise<void> {
    this.#enterStopping();
    for (const worker of this.#workers) {
      if (worker.state === 'ready') this.#retire(worker);
      else this.#workers.discard(worker);
    }
    const timer = setTimeout(() => this.#killAll(), graceMs);
    await this.#whenAllExited();
    clearTimeout(timer);
  }

  /** Fast stop: kill every worker now. */
  async kill(): Promise<void> {
    this.#enterStopping();
    this.#killAll();
    await this.#whenAllExited();
  }

  async #whenAllExited(): Promise<void> {
    await this.#workers.whenEmpty();
    await Promise.all([...this.#launchers].map((launcher) => launcher.close())); // a zygote goes last
    removeScratchDir(this.#scratchDir);
  }

  #enterStopping(): void {
    this.#phase = 'stopping';
    if (this.#tickTimer !== null) clearInterval(this.#tickTimer);
    if (this.#spawnTimer !== null) clearTimeout(this.#spawnTimer);
    this.#staging?.discard();
    this.#staging = null;
    this.pool.close();
  }

  #killAll(): void {
    this.#workers.killAll();
    for (const launcher of this.#launchers) launcher.kill();
  }

  #stage(config: ArbiterConfig, outcome: { committed(): void; aborted(error: StartupError): void }): void {
    const id = this.#nextGeneration++;
    const generation = createGeneration(id, config, {
      scratchDir: this.#scratchDir,
      log: this.#log,
      events: {
        bootError: (text) => this.#onBootError(id, text, 0),
        bootFailed: (error) => this.#onBootFailed(id, error),
        modules: (files) => this.#hooks.modulesLoaded(files),
      },
    });
    this.#launchers.add(generation.launcher);
    this.#staging = new Staging(generation, {
      committed: () => this.#commit(generation, outcome.committed),
      aborted: (error) => {
        this.#staging = null;
        generation.launcher.kill();
        this.#launchers.delete(generation.launcher);
        outcome.aborted(error);
      },
      discard: (worker) => this.#workers.discard(worker),
    });
    for (let i = 0; i < config.workers.count; i++) this.#spawnWorker(generation);
  }

  /** The staged generation is all READY: it serves, then the old workers retire (new before old). */
  #commit(generation: Generation, committed: () => void): void {
    const staged = this.#staging?.workers ?? new Set<Worker>();
    this.#staging = null;
    const previous = this.#generation;
    this.#generation = generation;
    this.#phase = 'running';
    if (previous !== null) this.#count = generation.config.workers.count; // a reload resets SIGTTIN/SIGTTOU
    this.pool.configure(poolOptions(generation.config));
    for (const worker of staged) if (worker.state === 'ready') this.pool.add(worker);
    for (const worker of this.#workers) if (worker.generation !== generation.id) this.#retire(worker);
    this.#due = null;
    if (previous !== null) {
      const launcher = previous.launcher; // a zygote waits for its children before it exits
      void launcher.close().then(() => this.#launchers.delete(launcher));
    }
    const { timeoutMs } = generation.config.workers;
    if (this.#tickTimer !== null) clearInterval(this.#tickTimer);
    this.#tickTimer = setInterval(() => this.#tick(), timeoutMs > 0 ? Math.min(TICK_MS, timeoutMs) : TICK_MS);
    this.#tickTimer.unref();
    committed();
    this.#manageWorkers();
    const next = this.#reloadWhenStarted;
    this.#reloadWhenStarted = null;
    if (next !== null) this.reload(next);
  }

  #spawnWorker(generation: Generation): void {
    launchWorker(generation, { scratchDir: this.#scratchDir, log: this.#log, events: this.#events }, (worker) => {
      this.#workers.add(worker);
      if (worker.pid > 0) this.#log.info(`Booting worker with pid: ${worker.pid}`, worker.pid);
      if (this.#staging?.generation === generation) this.#staging.workers.add(worker);
      else if (this.#phase === 'stopping' || generation !== this.#generation) this.#workers.discard(worker);
    });
  }

  readonly #events: WorkerEvents = {
    ready: (worker) => this.#onReady(worker),
    bootError: (worker, text) => this.#onBootError(worker.generation, text, worker.pid),
    exit: (worker, code, signal) => this.#reapWorker(worker, code, signal),
    spawnFailed: (worker, error) => {
      this.#workers.remove(worker);
      const config = this.#staging?.generation.config ?? this.#generation?.config ?? this.#firstConfig;
      this.#onBootFailed(worker.generation, spawnError(config.workers, error));
    },
    streamDone: (worker) => {
      this.pool.drain();
      if (worker.requestsServed >= worker.maxRequests) {
        this.#recycle(worker, `served ${worker.requestsServed} requests (--max-requests)`);
      }
    },
    modules: (_worker, files) => this.#hooks.modulesLoaded(files),
  };

  #onReady(worker: Worker): void {
    if (worker.state !== 'ready' || this.#workers.isLeaving(worker)) return;
    if (this.#staging?.workers.has(worker)) {
      this.#staging.onReady();
      return;
    }
    if (this.#phase !== 'running' || worker.generation !== this.#generation?.id) {
      this.#retire(worker);
      return;
    }
    this.pool.add(worker);
    this.#backoff.succeeded();
    const due = this.#due;
    if (due !== null) {
      this.#due = null;
      this.#retire(due); // its replacement is serving: it finishes its streams and exits
    }
  }

  /** BOOT_ERROR: a staged generation aborts with it; after start it is logged (its exit and a back-off follow). */
  #onBootError(generation: number, text: string, pid: number): void {
    if (this.#staging?.generation.id !== generation) {
      this.#log.error(`worker ${pid}: ${text}`, pid);
      return;
    }
    const [line = 'the app could not be loaded', ...rest] = text.split('\n');
    this.#staging.abort(new StartupError('XGI_APP_LOAD_ERROR', line, { details: rest.join('\n') }));
  }

  /** Could not even start (no interpreter, zygote died at boot): a staged generation aborts; after start, back off. */
  #onBootFailed(generation: number, error: StartupError): void {
    if (this.#staging?.generation.id === generation) {
      this.#staging.abort(error);
      return;
    }
    this.#log.error(error.message);
    this.#backoff.failed(performance.now());
    this.#manageWorkers();
  }

  /** A worker exited: out of the pool; replaced unless it was asked to go or we are stopping. */
  #reapWorker(worker: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    this.#workers.remove(worker);
    if (this.#due === worker) this.#due = null;
    const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
    if (this.#phase === 'stopping' || this.#workers.isLeaving(worker)) {
      this.#log.info(`Worker (pid:${worker.pid}) ${how}`, worker.pid);
      return;
    }
    const staging = this.#staging;
    if (staging?.workers.has(worker)) {
      if (!staging.onExit(worker, code, signal)) return;
      this.#log.warning(`Worker (pid:${worker.pid}) ${how}`, worker.pid); // killed from outside while booting
      this.#spawnWorker(staging.generation);
      return;
    }
    if (worker.hasBeenReady) {
      this.#log.error(`Worker (pid:${worker.pid}) ${how}`, worker.pid);
    } else {
      const delay = this.#backoff.failed(performance.now());
      this.#log.error(`Worker (pid:${worker.pid}) ${how} during boot; next boot in ${delay / 1000}s ` +
        `(${this.#backoff.failures} in a row)`, worker.pid);
    }
    this.#manageWorkers();
  }

  /** gunicorn's manage_workers: spawn the missing (after any back-off), retire the oldest extra. */
  #manageWorkers(): void {
    const generation = this.#generation;
    if (this.#phase !== 'running' || generation === null) return;
    const live = this.#workers.live(generation.id, this.#due);
    const missing = this.#count - live.length - generation.pending;
    if (missing < 0) for (const worker of live.slice(0, -missing)) this.#retire(worker);
    if (missing <= 0) return;
    const delay = this.#backoff.delayMs(performance.now());
    if (delay > 0) {
      this.#spawnTimer ??= setTimeout(() => {
        this.#spawnTimer = null;
        this.#manageWorkers();
      }, delay);
      return;
    }
    for (let i = 0; i < missing; i++) this.#spawnWorker(generation);
  }

  /** Murder the silent, kill the never-booting, recycle the old. */
  #tick(): void {
    const config = this.#generation?.config.workers;
    if (config === undefined) return;
    const now = performance.now();
    for (const worker of this.#workers) {
      const verdict = judgeWorker(worker, config, now);
      if (verdict === null) continue;
      if (verdict.kind === 'murder') {
        this.#murderWorker(worker);
      } else if (verdict.kind === 'recycle') {
        this.#recycle(worker, verdict.why);
      } else if (!this.#staging?.workers.has(worker)) { // a staging has its own boot timeout
        this.#log.error(`Worker (pid:${worker.pid}) ${verdict.why}`, worker.pid);
        worker.kill('SIGKILL');
      }
    }
  }

  /** --timeout: a worker silent on a request that long is killed; the requests it started get 504. */
  #murderWorker(worker: Worker): void {
    this.#log.critical(`WORKER TIMEOUT (pid:${worker.pid})`, worker.pid);
    this.pool.remove(worker);
    if (this.#due === worker) this.#due = null;
    worker.murder(ABORT_GRACE_MS);
  }

  /** Retire within --graceful-timeout (gunicorn: old workers get it on HUP too). */
  #retire(worker: Worker): void {
    const config = this.#generation?.config ?? this.#firstConfig;
    this.#workers.retire(worker, config.workers.gracefulTimeoutMs);
  }

  #recycle(worker: Worker, why: string): void {
    if (this.#phase !== 'running' || this.#staging !== null || this.#due !== null) return; // one at a time
    if (worker.state !== 'ready' || worker.generation !== this.#generation?.id || this.#workers.isLeaving(worker)) return;
    this.#due = worker;
    this.#log.info(`Recycling worker (pid:${worker.pid}): ${why}`, worker.pid);
    this.#manageWorkers(); // spawns its replacement; #onReady retires this one
  }
}
