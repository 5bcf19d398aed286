/**
 * The process behind a Worker, whichever way it started: spawned by xgi
 * with the app's interpreter (its socket is a socketpair inherited as fd 3),
 * or forked by the zygote under `--preload` (zygote.ts; its socket is a
 * connection to the fork socket). A Worker speaks frames over the socket and
 * does not care which. Also here: the CONFIG frame every spawned Python
 * process (worker or zygote) reads first.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Socket } from 'node:net';
import type { WorkersConfig } from '../config/config.js';
import { encodeFrame, FrameType } from './protocol/frames.js';

export const WORKER_PACKAGE = fileURLToPath(new URL('../../python/_xgi_worker', import.meta.url));

/** What a process tells its Worker; each is called at most once. */
export interface ProcessHandlers {
  /** The socket to the worker, and any bytes already read from it (after a forked child's HELLO). */
  connected(socket: Socket, head: Buffer): void;
  exited(code: number | null, signal: NodeJS.Signals | null): void;
  /** The process could not be started at all (ENOENT: no such interpreter). */
  spawnFailed(error: NodeJS.ErrnoException): void;
}

export interface WorkerProcess {
  readonly pid: number;
  /** True when the front must send CONFIG; a forked child already has it from the zygote. */
  readonly needsConfig: boolean;
  /** Start reporting to `handlers`; events that already happened are reported, never from within this call. */
  attach(handlers: ProcessHandlers): void;
  /** Signal the process's whole group (it is a group leader: everything it started goes too). */
  kill(signal: NodeJS.Signals): void;
}

/** Spawn `python _xgi_worker` with the app's interpreter, in its own process group. */
export function spawnPython(config: WorkersConfig): WorkerProcess {
  const child = spawn(config.python, [WORKER_PACKAGE], {
    cwd: config.chdir,
    env: { ...config.inheritedEnv, ...config.env },
    stdio: ['ignore', 'inherit', 'inherit', 'pipe'],
    detached: true, // its own process group: a timeout kills everything it started
  });
  const pid = child.pid ?? -1;
  return {
    pid,
    needsConfig: true,
    attach(handlers: ProcessHandlers): void {
      const socket = child.stdio[3] as Socket | null;
      child.once('exit', (code, signal) => handlers.exited(code, signal));
      child.on('error', (error: NodeJS.ErrnoException) => {
        if (pid <= 0) handlers.spawnFailed(error); // a running child's exit event follows any other error
      });
      if (socket !== null) handlers.connected(socket, Buffer.alloc(0));
    },
    kill(signal: NodeJS.Signals): void {
      killGroup(pid, signal, () => child.kill(signal));
    },
  };
}

/** Signal the group `pid` leads; `fallback` when that fails (the child has not called setpgid yet). */
export function killGroup(pid: number, signal: NodeJS.Signals, fallback: () => void): void {
  if (pid <= 0) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      fallback();
    } catch {
      // already gone: its exit is on its way
    }
  }
}

/** Call `then` once `socket` has delivered everything and closed (at once if it has), or after `boundMs`. */
export function afterLastFrames(socket: Socket | null, boundMs: number, then: () => void): void {
  if (socket === null || socket.destroyed) {
    then();
    return;
  }
  let isDone = false;
  const done = (): void => {
    if (isDone) return;
    isDone = true;
    clearTimeout(timer);
    socket.destroy();
    then();
  };
  const timer = setTimeout(done, boundMs);
  socket.once('close', done);
}

/** What a worker (or zygote) needs to boot, besides the app: the CONFIG frame. */
export interface BootOptions {
  readonly stallMs: number;
  readonly multiprocess: boolean;
  /** Path of the started-mark file (started-mark.ts), or null. */
  readonly startedMark: string | null;
  /** Where Python's faulthandler writes when the worker dies of a signal (fault-log.ts), or null. */
  readonly faultLog: string | null;
  /** Send MODULES after READY (`--reload`). */
  readonly reportModules: boolean;
  /** Under `--preload`: be the zygote and fork workers that connect here. */
  readonly forkSocket: string | null;
}

export function encodeConfigFrame(config: WorkersConfig, options: BootOptions): Buffer {
  return encodeFrame(FrameType.CONFIG, 0, 0, Buffer.from(JSON.stringify({
    app: config.app,
    pythonPath: [...config.pythonPath, config.chdir],
    threads: config.threads,
    multiprocess: options.multiprocess,
    stallMs: options.stallMs,
    responseWindowBytes: config.responseWindowBytes,
    serverSoftware: config.serverSoftware,
    startedMark: options.startedMark,
    faultLog: options.faultLog,
    reportModules: options.reportModules,
    zygote: options.forkSocket === null ? null : { forkSocket: options.forkSocket },
  })));
}
