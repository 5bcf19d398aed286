/**
 * `-p/--pid FILE`: the master's pid, written at start and removed at exit
 * (gunicorn's pidfile.py). A file naming a process that still runs stops xgi
 * at start; a stale one is replaced. Written to a temporary name and renamed,
 * so a reader never sees it half-written.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { StartupError } from './startup-error.js';
import { isRunning } from './workers/process-liveness.js';

export class Pidfile {
  readonly path: string;
  readonly #pid: number;

  private constructor(path: string, pid: number) {
    this.path = path;
    this.#pid = pid;
  }

  /** Write `pid` to `path`; throws StartupError when another live process holds it. */
  static create(path: string, pid: number): Pidfile {
    const other = readPid(path);
    if (other !== null && other !== pid && isRunning(other)) {
      throw new StartupError('XGI_PIDFILE', `Already running on PID ${other} (or pid file '${path}' is stale)`);
    }
    const temporary = `${path}.${pid}.tmp`;
    try {
      writeFileSync(temporary, `${pid}\n`, { mode: 0o644 });
      renameSync(temporary, path);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw new StartupError('XGI_PIDFILE', `cannot write pid file '${path}': ${(error as Error).message}`, { cause: error });
    }
    return new Pidfile(path, pid);
  }

  /** Remove the file, unless another process has written its own pid there since. */
  remove(): void {
    if (readPid(this.path) === this.#pid) rmSync(this.path, { force: true });
  }
}

function readPid(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
