/**
 * Give the front's memory back once its traffic stops.
 *
 * Under load V8 grows the young generation from 1 MiB a semi-space to 16
 * (about 27 MB more RSS with both halves in use), and it never shrinks it on
 * its own: only a full GC that finds the allocation rate low does
 * (Heap::ReduceNewSpaceSize), and an idle process makes no GC at all. An xgi
 * that served one burst would keep about 88 MB of RSS instead of 61 for
 * good. So: once the front has served requests and then none for IDLE_MS,
 * run a full GC, and again every IDLE_MS while each gives memory back. The
 * rate V8 looks at spans its last 5 s, hence the wait; a GC takes about
 * 10 ms, and a quiet spell sees two or three.
 *
 * `gc` is V8's own function; node exposes it only with --expose-gc, which a
 * process cannot be started with when run as `node bin/xgi.js`, so the flag
 * is set for the moment it takes to make a context that has it.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Logger } from './log/logger.js';

/** How long without a new request before a GC (and between GCs while each gives memory back). */
export const IDLE_MS = 6000;
const CHECK_MS = 1000;
/** A GC that gives back less than this was the last of its quiet spell. */
const WORTH_ANOTHER_BYTES = 1048576;

/** Start watching `requestsSeen` (a count that grows with every request); returns a function that stops it. */
export function giveMemoryBackWhenIdle(requestsSeen: () => number, log: Logger): () => void {
  const gc = v8Gc();
  if (gc === null) {
    log.debug('V8 offers no gc() here: the front will not give memory back when idle');
    return () => {};
  }
  let seen = requestsSeen();
  /** performance.now() of the last sign of traffic, or of the last GC. */
  let quietSince = performance.now();
  let isWorthCollecting = false;
  const timer = setInterval(() => {
    const now = performance.now();
    const count = requestsSeen();
    if (count !== seen) {
      seen = count;
      quietSince = now;
      isWorthCollecting = true;
      return;
    }
    if (!isWorthCollecting || now - quietSince < IDLE_MS) return;
    const before = process.memoryUsage().heapTotal;
    gc();
    const after = process.memoryUsage().heapTotal;
    // The first GC may keep the young generation whole: V8 shrinks it only
    // when the allocation rate since the GC before is low, and the last one
    // may have been under load. The next, IDLE_MS later, then finds it low.
    quietSince = now;
    isWorthCollecting = before - after >= WORTH_ANOTHER_BYTES;
    // RSS falls a moment later: V8 unmaps the freed pages in the background.
    log.debug(`Idle for ${IDLE_MS / 1000} s: garbage collected, V8 heap ${mebibytes(before)} -> ${mebibytes(after)} MiB`);
  }, CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** V8's gc(), or null where it cannot be had (the idle GC is then off). */
function v8Gc(): (() => void) | null {
  const global = globalThis as { gc?: () => void };
  if (typeof global.gc === 'function') return global.gc; // node --expose-gc
  setFlagsFromString('--expose-gc');
  try {
    const gc: unknown = runInNewContext('typeof gc === "function" ? gc : null');
    return typeof gc === 'function' ? (gc as () => void) : null;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

function mebibytes(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}
