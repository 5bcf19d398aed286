// Start the real xgi binary on a free port and wait for its "Listening at"
// line (never a sleep). Stopped by pid in t.after; every test gets its own.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const XGI = fileURLToPath(new URL('../../bin/xgi.js', import.meta.url));
export const APPS = fileURLToPath(new URL('../fixtures/apps/', import.meta.url));
/** Debian's interpreter, where python3-flask and friends live. */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/**
 * Spawn `xgi ...args` (with `-b 127.0.0.1:0` unless a bind is given) and
 * resolve once it listens and, unless `waitForWorkers` is false, once every
 * worker was spawned (requests sent before a worker is ready wait for it).
 */
export async function startXgi(t, args, options = {}) {
  const hasBind = options.isDefaultBind || args.some((a) => a === '-b' || a === '--bind' || a.startsWith('--bind='));
  const argv = [XGI, ...args, ...(hasBind ? [] : ['-b', '127.0.0.1:0'])];
  const child = spawn(process.execPath, argv, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const xgi = new RunningXgi(child);
  t.after(() => xgi.kill());
  const listening = await xgi.waitForLine(/Listening at: (\S+)/, options.timeoutMs ?? 15000);
  xgi.url = listening[1];
  const port = /:(\d+)$/.exec(xgi.url);
  xgi.port = port ? Number(port[1]) : 0;
  if (options.waitForWorkers !== false) {
    const count = options.workers ?? 1;
    for (let i = 0; i < count; i++) await xgi.waitForLine(/Booting worker with pid: (\d+)/, 15000, i);
  }
  return xgi;
}

export class RunningXgi {
  constructor(child) {
    this.child = child;
    this.stdout = '';
    this.stderr = '';
    this.url = '';
    this.port = 0;
    this.exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.stdout.setEncoding('utf8').on('data', (s) => { this.stdout += s; this.#notify(); });
    child.stderr.setEncoding('utf8').on('data', (s) => { this.stderr += s; this.#notify(); });
    this.waiters = new Set();
  }

  get pid() {
    return this.child.pid;
  }

  #notify() {
    for (const w of this.waiters) w();
  }

  /** Resolve with the nth match of `pattern` in stdout+stderr. */
  waitForLine(pattern, timeoutMs = 10000, nth = 0) {
    const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g');
    return new Promise((resolve, reject) => {
      const check = () => {
        const all = [...(this.stderr + '\n' + this.stdout).matchAll(global)];
        if (all.length > nth) {
          done();
          resolve(all[nth]);
        }
      };
      const onExit = () => {
        check();
        done();
        reject(new Error(`xgi exited before ${pattern}:\n${this.stderr}\n${this.stdout}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${pattern}:\n${this.stderr}\n${this.stdout}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
        this.child.off('exit', onExit);
      };
      this.waiters.add(check);
      this.child.once('exit', onExit);
      check();
    });
  }

  /** fetch() against this xgi; resolves with { status, headers, body: Buffer }. */
  async request(path, init = {}) {
    const res = await fetch(this.url + path, { redirect: 'manual', ...init });
    const body = Buffer.from(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, body, text: body.toString('utf8') };
  }

  get(path, init) {
    return this.request(path, init);
  }

  /** pids of the worker processes, from the boot lines. */
  workerPids() {
    return [...this.stderr.matchAll(/Booting worker with pid: (\d+)/g)].map((m) => Number(m[1]));
  }

  signal(name) {
    try {
      process.kill(this.child.pid, name);
    } catch {
      // already gone
    }
  }

  async kill() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), 5000);
    await this.exit;
    clearTimeout(timer);
  }
}

/** Run xgi to completion (for start-up errors); resolves with code, stdout, stderr. */
export function runXgi(args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [XGI, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s) => { stdout += s; });
    child.stderr.setEncoding('utf8').on('data', (s) => { stderr += s; });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * True while a process with this pid runs. A zombie (dead, not yet reaped by
 * whoever adopted it, e.g. a container's PID 1) counts as gone.
 */
export function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * A stand-in for a test context inside describe(): hooks get a SuiteContext,
 * which has no after(). Pass it to startXgi in before(), close it in after():
 *
 *   const scope = suiteScope();
 *   before(async () => { xgi = await startXgi(scope, [...]); });
 *   after(() => scope.close());
 */
export function suiteScope() {
  const cleanups = [];
  return {
    after(fn) {
      cleanups.push(fn);
    },
    async close() {
      while (cleanups.length > 0) await cleanups.pop()();
    },
  };
}
