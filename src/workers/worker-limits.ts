/**
 * When a worker must go: `--max-requests` plus a random part of
 * `--max-requests-jitter` (gunicorn: `max_requests + randint(0, jitter)`), and
 * `--max-worker-lifetime` plus a random part of its jitter, drawn once per
 * worker so that workers started together do not all retire together; and
 * the arbiter's periodic verdict on each worker (silent past --timeout, never
 * booted, too old). `--max-worker-memory` is sampled elsewhere (memory.ts).
 */
import type { SupervisionConfig, WorkersConfig } from '../config/config.js';
import type { Worker } from './worker.js';

export interface WorkerLimits {
  /** Infinity when --max-requests is 0. */
  readonly maxRequests: number;
  /** How long it may run, in ms; Infinity when --max-worker-lifetime is 0. */
  readonly lifetimeMs: number;
}

/** `random` returns [0, 1), as Math.random does. */
export function pickLimits(config: SupervisionConfig, random: () => number = Math.random): WorkerLimits {
  const maxRequests = config.maxRequests === 0
    ? Infinity
    : config.maxRequests + Math.floor(random() * (config.maxRequestsJitter + 1));
  const lifetimeMs = config.maxWorkerLifetimeMs === 0
    ? Infinity
    : config.maxWorkerLifetimeMs + Math.floor(random() * (config.maxWorkerLifetimeJitterMs + 1));
  return { maxRequests, lifetimeMs };
}

export type Verdict =
  | { readonly kind: 'murder' }
  | { readonly kind: 'never-booted'; readonly why: string }
  | { readonly kind: 'recycle'; readonly why: string };

type WorkerFacts = Pick<Worker, 'state' | 'isMurdered' | 'bornAt' | 'retireAt' | 'isSilentFor'>;

/** What the arbiter's tick should do with this worker now, if anything. */
export function judgeWorker(worker: WorkerFacts, config: Pick<WorkersConfig, 'timeoutMs' | 'bootTimeoutMs'>, now: number): Verdict | null {
  if (worker.state === 'exited' || worker.isMurdered) return null;
  if (config.timeoutMs > 0 && worker.isSilentFor(config.timeoutMs, now)) return { kind: 'murder' };
  if (worker.state === 'booting' && now - worker.bornAt > config.bootTimeoutMs) {
    return { kind: 'never-booted', why: `did not boot within ${config.bootTimeoutMs / 1000}s (--worker-boot-timeout)` };
  }
  if (worker.state === 'ready' && now >= worker.retireAt) {
    return { kind: 'recycle', why: `has run ${Math.round((now - worker.bornAt) / 1000)}s (--max-worker-lifetime)` };
  }
  return null;
}
