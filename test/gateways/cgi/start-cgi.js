// Start xgi with the fixture scripts mounted at /cgi-bin (and whatever else a
// test adds), no WSGI app and so no workers to wait for.
import { fileURLToPath } from 'node:url';
import { isAlive, startXgi } from '../../helpers/start-xgi.js';

export const CGI_BIN = fileURLToPath(new URL('../../fixtures/cgi-bin/', import.meta.url)).replace(/\/$/, '');

export function startCgi(t, args = [], options = {}) {
  return startXgi(t, ['--cgi', `/cgi-bin=${CGI_BIN}`, ...args], { waitForWorkers: false, ...options });
}

/** True while `pid` runs; a zombie counts as gone (the shared helper's rule). */
export const isRunning = isAlive;

/**
 * Resolve once none of `pids` runs. SIGKILL to a process group is
 * delivered at once but each process exits on its own schedule; there is no
 * event for a process that is not our child, so this polls /proc, bounded.
 */
export async function waitUntilGone(pids, timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alive = pids.filter(isRunning);
    if (alive.length === 0) return;
    if (Date.now() > deadline) throw new Error(`still running after ${timeoutMs} ms: ${alive.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
