/**
 * `--max-worker-memory`: every second, read each worker's resident set size
 * from /proc/PID/status (VmRSS) and report the ones past the limit, for the
 * arbiter to recycle one at a time. RSS counts pages shared with other
 * processes too (under --preload, the zygote's copy-on-write pages), as
 * uWSGI's reload-on-rss does. On a system without /proc nothing is reported.
 */
import { readFile } from 'node:fs/promises';

/** How often RSS is sampled. */
export const MEMORY_CHECK_MS = 1000;

/** VmRSS of a process in bytes, or null when it cannot be read (gone, or no /proc). */
export async function readRssBytes(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'latin1');
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export interface MemoryWatch {
  /** The limit in bytes; read at each check, so a reload can change it (0: off). */
  readonly limitBytes: () => number;
  readonly pids: () => readonly number[];
  readonly onOver: (pid: number, rssBytes: number) => void;
}

/** Start sampling; returns a function that stops it. */
export function watchMemory(watch: MemoryWatch): () => void {
  let isChecking = false;
  const check = async (): Promise<void> => {
    const limit = watch.limitBytes();
    if (limit === 0 || isChecking) return;
    isChecking = true;
    try {
      for (const pid of watch.pids()) {
        const rss = await readRssBytes(pid);
        if (rss !== null && rss > limit) watch.onOver(pid, rss);
      }
    } finally {
      isChecking = false;
    }
  };
  const timer = setInterval(() => void check(), MEMORY_CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
