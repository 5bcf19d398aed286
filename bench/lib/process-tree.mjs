// The processes the harness starts: spawned with a raised open-files limit,
// tracked by pid, measured as a tree (sum of VmRSS, and of Pss, over the
// root and all its descendants), and stopped by pid, descendants included.
// Nothing here looks at a process the harness did not start.

import { spawn } from 'node:child_process';
import { openSync, readdirSync, readFileSync, closeSync } from 'node:fs';

const started = new Set(); // { child, name }

// Raise the soft open-files limit (2,000 idle connections need it), then exec:
// the pid we get is the server's own.
const ULIMIT_EXEC = 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"';

export function spawnTracked(name, command, args, { cwd, env, logPath, pipe = false } = {}) {
  const log = logPath ? openSync(logPath, 'a') : 'ignore';
  const child = spawn('sh', ['-c', ULIMIT_EXEC, command, ...args], {
    cwd,
    env: env ?? process.env,
    stdio: pipe ? ['ignore', 'pipe', log] : ['ignore', log, log],
  });
  if (typeof log === 'number') closeSync(log);
  return track(name, child);
}

/** Registers a child started elsewhere (wrk, the spawn loop) for killAllStarted. */
export function track(name, child) {
  const entry = { child, name };
  started.add(entry);
  child.exitPromise = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      started.delete(entry);
      resolve({ code, signal });
    });
    child.once('error', (err) => {
      started.delete(entry);
      resolve({ code: null, signal: null, error: err });
    });
  });
  return child;
}

function parentPids() {
  const parents = new Map();
  for (const name of readdirSync('/proc')) {
    if (name.charCodeAt(0) > 57) continue; // not a pid
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(name), Number(fields[1]));
    } catch {
      // gone meanwhile
    }
  }
  return parents;
}

/** The pid and every descendant's pid. */
export function treeOf(rootPid) {
  const children = new Map();
  for (const [pid, ppid] of parentPids()) {
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(pid);
  }
  const tree = [];
  const queue = [rootPid];
  while (queue.length) {
    const pid = queue.shift();
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

function readKb(path, key) {
  try {
    const text = readFileSync(path, 'latin1');
    const at = text.indexOf(`${key}:`);
    if (at < 0) return 0;
    return parseInt(text.slice(at + key.length + 1), 10) || 0;
  } catch {
    return 0;
  }
}

/** Sum of VmRSS (and, when asked, Pss) over a process tree, in KiB. */
export function measureTree(rootPid, { withPss = false } = {}) {
  let rssKb = 0;
  let pssKb = 0;
  const pids = treeOf(rootPid);
  for (const pid of pids) {
    rssKb += readKb(`/proc/${pid}/status`, 'VmRSS');
    if (withPss) pssKb += readKb(`/proc/${pid}/smaps_rollup`, 'Pss');
  }
  return { rssKb, pssKb, processes: pids.length };
}

/** Samples the tree every intervalMs until stop(); stop() gives the peaks. */
export function startSampler(rootPid, { intervalMs = 500, withPss = false } = {}) {
  const peak = { rssKb: 0, pssKb: 0, processes: 0, samples: 0 };
  const sample = () => {
    const m = measureTree(rootPid, { withPss });
    peak.rssKb = Math.max(peak.rssKb, m.rssKb);
    peak.pssKb = Math.max(peak.pssKb, m.pssKb);
    peak.processes = Math.max(peak.processes, m.processes);
    peak.samples++;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { ...peak };
    },
  };
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalAll(pids, signal) {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Stops a child the harness started: `signal` to its pid, then, after
 * graceMs, SIGKILL to whatever is left of the tree it had before.
 */
export async function stopTree(child, { signal = 'SIGTERM', graceMs = 8000 } = {}) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const tree = treeOf(child.pid);
  try {
    process.kill(child.pid, signal);
  } catch {
    // already gone
  }
  let timer;
  const grace = new Promise((resolve) => {
    timer = setTimeout(() => resolve(false), graceMs);
  });
  const exited = await Promise.race([child.exitPromise.then(() => true), grace]);
  clearTimeout(timer);
  if (!exited) signalAll(tree, 'SIGKILL');
  // descendants that outlived their parent (e.g. a CGI script mid-run)
  for (let i = 0; i < 20 && tree.some(isAlive); i++) await sleep(100);
  signalAll(tree.filter(isAlive), 'SIGKILL');
  await child.exitPromise;
}

/** Last resort on exit or interrupt: SIGKILL every tree still running. */
export function killAllStarted() {
  for (const { child } of started) {
    if (child.exitCode === null && child.signalCode === null) signalAll(treeOf(child.pid), 'SIGKILL');
  }
}

export function runningCount() {
  return started.size;
}
