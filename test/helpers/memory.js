// The resident memory of a process from /proc, and a sampler that records
// its peak while a transfer runs (bounded-memory tests).
import { readFileSync } from 'node:fs';

export function rssBytes(pid) {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
}

/** Start sampling every 20 ms; `stop()` returns { baseline, peak } in bytes. */
export function sampleRss(pid) {
  const baseline = rssBytes(pid);
  let peak = baseline;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssBytes(pid));
    } catch {
      // the process is gone; the test fails elsewhere
    }
  }, 20);
  return { stop: () => (clearInterval(timer), { baseline, peak }) };
}
