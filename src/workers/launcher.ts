/**
 * How the arbiter gets a new worker process: spawned directly with the app's
 * interpreter (each worker imports the app itself), or forked by a zygote that
 * imported it once (`--preload`, zygote.ts). The arbiter asks for a launch and
 * adopts the process once its pid is known; it does not care which kind it got.
 */
import type { WorkersConfig } from '../config/config.js';
import { StartupError } from '../startup-error.js';
import { spawnPython, type WorkerProcess } from './worker-process.js';

export interface Launcher {
  /** Start one worker; `adopt` gets its process once the pid is known (now, or after the fork). */
  launch(markPath: string, adopt: (process: WorkerProcess) => void): void;
  /** No more launches; a zygote exits once the last of its children has. Resolves when it has. */
  close(): Promise<void>;
  /** Kill at once (the zygote's children die with it). */
  kill(): void;
}

/** What a launcher tells the arbiter about itself (a zygote's boot, its modules). */
export interface LauncherEvents {
  /** The app could not be loaded: text is the Python error (first line, then details). */
  bootError(text: string): void;
  /** The launcher could not start, or died during boot. */
  bootFailed(error: StartupError): void;
  modules(files: readonly string[]): void;
}

/** Why a worker or zygote could not even be started, as the user can fix it. */
export function spawnError(config: WorkersConfig, error: NodeJS.ErrnoException): StartupError {
  return error.code === 'ENOENT'
    ? new StartupError('XGI_PYTHON_NOT_FOUND',
      `Python interpreter '${config.python}' not found: pass --python PATH (e.g. --python /usr/bin/python3)`)
    : new StartupError('XGI_WORKER_SPAWN', `could not start ${config.python}: ${error.message}`);
}

/** Without --preload: every worker is its own `python _xgi_worker`. */
export function directLauncher(config: WorkersConfig): Launcher {
  return {
    launch(_markPath: string, adopt: (process: WorkerProcess) => void): void {
      adopt(spawnPython(config)); // the mark path travels in the worker's CONFIG (worker.ts)
    },
    close: () => Promise.resolve(),
    kill(): void {},
  };
}
