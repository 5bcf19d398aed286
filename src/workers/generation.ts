/**
 * A generation: the workers of one config, started by one launcher (spawned
 * directly, or forked by the zygote under --preload). Start and every reload
 * make a new one; each worker carries its generation's id, which is how the
 * arbiter tells the old workers from the new.
 */
import { join } from 'node:path';
import type { SupervisionConfig, WorkersConfig } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { directLauncher, type Launcher, type LauncherEvents } from './launcher.js';
import type { PoolOptions } from './pool.js';
import { createMark } from './started-mark.js';
import { Worker, type WorkerEvents } from './worker.js';
import { pickLimits } from './worker-limits.js';
import { Zygote } from './zygote.js';

/** How long a request may run before the worker's queued requests move elsewhere. */
export const STALL_MS = 3;

export interface ArbiterConfig {
  readonly workers: WorkersConfig;
  readonly supervision: SupervisionConfig;
}

export interface Generation {
  readonly id: number;
  readonly config: ArbiterConfig;
  readonly launcher: Launcher;
  /** Launches asked for and not yet adopted (a zygote's fork in progress). */
  pending: number;
  /** Workers launched so far, to name their started-mark files. */
  launched: number;
}

export function createGeneration(
  id: number,
  config: ArbiterConfig,
  context: { readonly scratchDir: string; readonly log: Logger; readonly events: LauncherEvents },
): Generation {
  const { workers, supervision } = config;
  const launcher = supervision.preload
    ? new Zygote({
      config: workers, scratchDir: context.scratchDir, stallMs: STALL_MS,
      multiprocess: workers.count > 1, reportModules: supervision.reload,
    }, context.log, context.events)
    : directLauncher(workers);
  return { id, config, launcher, pending: 0, launched: 0 };
}

export function poolOptions({ workers, supervision }: ArbiterConfig): PoolOptions {
  return {
    maxInFlight: workers.maxInFlight, stallMs: STALL_MS, threads: workers.threads,
    queueTimeoutMs: supervision.queueTimeoutMs, queueLimit: supervision.queueLimit,
  };
}

/** Launch one worker of `generation`; `adopted` gets it once its process is known. */
export function launchWorker(
  generation: Generation,
  context: { readonly scratchDir: string; readonly log: Logger; readonly events: WorkerEvents },
  adopted: (worker: Worker) => void,
): void {
  const markPath = join(context.scratchDir, `${generation.id}-${++generation.launched}.mark`);
  createMark(markPath);
  generation.pending++;
  generation.launcher.launch(markPath, (process) => {
    generation.pending--;
    const { workers, supervision } = generation.config;
    const limits = pickLimits(supervision);
    adopted(new Worker({
      process, config: workers, generation: generation.id, stallMs: STALL_MS, multiprocess: workers.count > 1, markPath,
      reportModules: supervision.reload && !supervision.preload, // under --preload the zygote reports them
      maxRequests: limits.maxRequests, retireAt: performance.now() + limits.lifetimeMs,
    }, context.log, context.events));
  });
}
