/**
 * The arbiter: owns the worker processes of one app. Spawns `count` workers,
 * puts the ready ones in the pool, reaps the dead and spawns their
 * replacements, murders a worker silent on a request past `timeoutMs`, and
 * stops them all on shutdown. An app that cannot even import halts xgi with
 * the import error instead of a restart loop (gunicorn's APP_LOAD_ERROR).
 *
 * It does not route requests (pool.ts) or speak frames (worker.ts).
 */
import type { WorkersConfig } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { StartupError } from '../startup-error.js';
import { Pool } from './pool.js';
import { APP_LOAD_ERROR, Worker, WORKER_BOOT_ERROR, type WorkerEvents } from './worker.js';

/** How long a request may run before the worker's queued requests move elsewhere. */
export const STALL_MS = 3;
const MURDER_CHECK_MS = 1000;
const ABORT_GRACE_MS = 1000;
const RESPAWN_DELAY_MS = 100;

export class Arbiter {
  readonly pool: Pool;
  readonly #config: WorkersConfig;
  readonly #log: Logger;
  readonly #workers = new Set<Worker>();
  #isBooted = false;
  #isStopping = false;
  #bootFailure: ((error: StartupError) => void) | null = null;
  #murderTimer: NodeJS.Timeout | null = null;
  #onAllExited: (() => void) | null = null;
  /** Counts a worker ready during the initial boot. */
  #onBootReady: (() => void) | null = null;

  constructor(config: WorkersConfig, log: Logger) {
    this.#config = config;
    this.#log = log;
    this.pool = new Pool({ maxInFlight: config.maxInFlight, stallMs: STALL_MS, threads: config.threads });
  }

  /** Spawn the workers; resolves once all are ready, rejects with the boot error. */
  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let readyCount = 0;
      const timer = setTimeout(() => {
        this.#bootFailure?.(new StartupError('XGI_WORKER_BOOT_TIMEOUT',
          `workers did not load the app within ${this.#config.bootTimeoutMs / 1000}s (raise --worker-boot-timeout)`));
      }, this.#config.bootTimeoutMs);
      this.#bootFailure = (error) => {
        clearTimeout(timer);
        this.#bootFailure = null;
        this.#killAll();
        reject(error);
      };
      const onReady = (): void => {
        if (++readyCount < this.#config.count || this.#isBooted) return;
        clearTimeout(timer);
        this.#isBooted = true;
        this.#bootFailure = null;
        this.#onBootReady = null;
        if (this.#config.timeoutMs > 0) {
          this.#murderTimer = setInterval(() => this.#murderWorkers(), Math.min(MURDER_CHECK_MS, this.#config.timeoutMs));
          this.#murderTimer.unref();
        }
        resolve();
      };
      this.#onBootReady = onReady;
      for (let i = 0; i < this.#config.count; i++) this.#spawnWorker(onReady);
    });
  }

  /** pids of the live workers. */
  get pids(): number[] {
    return [...this.#workers].map((w) => w.pid);
  }

  /** Graceful stop: workers finish their streams, then exit; killed after graceMs. */
  async stop(graceMs: number): Promise<void> {
    this.#isStopping = true;
    if (this.#murderTimer !== null) clearInterval(this.#murderTimer);
    this.pool.close();
    if (this.#workers.size === 0) return;
    const allExited = new Promise<void>((resolve) => {
      this.#onAllExited = resolve;
    });
    for (const worker of this.#workers) {
      this.pool.remove(worker);
      worker.stop();
    }
    const timer = setTimeout(() => this.#killAll(), graceMs);
    await allExited;
    clearTimeout(timer);
  }

  /** Fast stop: kill every worker now. */
  async kill(): Promise<void> {
    this.#isStopping = true;
    this.pool.close();
    if (this.#workers.size === 0) return;
    const allExited = new Promise<void>((resolve) => {
      this.#onAllExited = resolve;
    });
    this.#killAll();
    await allExited;
  }

  #killAll(): void {
    for (const worker of this.#workers) worker.kill('SIGKILL');
  }

  #spawnWorker(onReady?: () => void): void {
    const events: WorkerEvents = {
      ready: (worker) => {
        if (this.#isStopping) {
          worker.stop();
          return;
        }
        this.pool.add(worker);
        onReady?.();
      },
      bootError: (worker, text) => this.#onBootError(worker, text),
      exit: (worker, code, signal) => this.#reap(worker, code, signal),
      spawnFailed: (worker, error) => this.#onSpawnFailed(worker, error),
      streamDone: () => this.pool.drain(),
    };
    const worker = new Worker(
      { config: this.#config, stallMs: STALL_MS, multiprocess: this.#config.count > 1 },
      this.#log,
      events,
    );
    this.#workers.add(worker);
    if (worker.pid > 0) this.#log.info(`Booting worker with pid: ${worker.pid}`, worker.pid);
  }

  #onBootError(worker: Worker, text: string): void {
    const [line = 'the app could not be loaded', ...rest] = text.split('\n');
    if (this.#bootFailure !== null) {
      this.#bootFailure(new StartupError('XGI_APP_LOAD_ERROR', line, { details: rest.join('\n') }));
      return;
    }
    this.#log.error(`worker ${worker.pid}: ${text}`, worker.pid);
  }

  #onSpawnFailed(worker: Worker, error: NodeJS.ErrnoException): void {
    this.#workers.delete(worker);
    const failure = error.code === 'ENOENT'
      ? new StartupError('XGI_PYTHON_NOT_FOUND',
        `Python interpreter '${this.#config.python}' not found: pass --python PATH (e.g. --python /usr/bin/python3)`)
      : new StartupError('XGI_WORKER_SPAWN', `could not start ${this.#config.python}: ${error.message}`);
    if (this.#bootFailure !== null) {
      this.#bootFailure(failure);
      return;
    }
    this.#log.error(failure.message);
    this.#checkAllExited();
  }

  /** A worker exited: take it out of the pool and replace it unless we are stopping. */
  #reap(worker: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    this.#workers.delete(worker);
    this.pool.remove(worker);
    if (this.#isStopping) {
      this.#checkAllExited();
      return;
    }
    if (!this.#isBooted) {
      if (code === APP_LOAD_ERROR) return; // the BOOT_ERROR frame carried the reason
      if (code === WORKER_BOOT_ERROR || (signal === null && !worker.hasBeenReady)) {
        this.#bootFailure?.(new StartupError('XGI_WORKER_BOOT_ERROR',
          `worker ${worker.pid} exited during boot (code ${code}); see the lines above`));
        return;
      }
      // Killed from outside while the others were still booting: replace it.
      this.#log.warning(`Worker (pid:${worker.pid}) ${signal !== null ? `was killed by ${signal}` : `exited with code ${code}`}`, worker.pid);
      this.#spawnWorker(this.#onBootReady ?? undefined);
      return;
    }
    const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
    const level = code === WORKER_BOOT_ERROR || code === APP_LOAD_ERROR || signal !== null ? 'error' : 'warning';
    this.#log[level](`Worker (pid:${worker.pid}) ${how}`, worker.pid);
    const timer = setTimeout(() => {
      if (!this.#isStopping) this.#spawnWorker();
    }, code === APP_LOAD_ERROR ? RESPAWN_DELAY_MS * 10 : 0);
    timer.unref();
  }

  #checkAllExited(): void {
    if (this.#workers.size === 0 && this.#onAllExited !== null) {
      const done = this.#onAllExited;
      this.#onAllExited = null;
      done();
    }
  }

  /** --timeout: a worker silent on a request that long is killed; its requests get 504. */
  #murderWorkers(): void {
    const now = performance.now();
    const limit = this.#config.timeoutMs;
    for (const worker of this.#workers) {
      if (worker.state === 'exited' || !worker.isSilentFor(limit, now)) continue;
      this.#log.critical(`WORKER TIMEOUT (pid:${worker.pid})`);
      this.pool.remove(worker);
      worker.failStreams('timeout');
      worker.kill('SIGABRT'); // faulthandler in the worker prints where it hung
      setTimeout(() => worker.kill('SIGKILL'), ABORT_GRACE_MS).unref();
    }
  }
}
