/**
 * `--preload`: the zygote, front side. A Python process started like a
 * worker imports the app once (READY or BOOT_ERROR, as a worker), then forks
 * a worker each time the front sends FORK; the child connects to the fork
 * socket (fork-socket.ts) and says HELLO. The zygote reaps its children and
 * reports each exit (CHILD_EXIT), since Node cannot wait for a process it did
 * not spawn. A zygote that dies takes its children with it (they are set to
 * die with their parent); it is restarted, and so are they (docs/protocol.md,
 * "Preload: the zygote"; docs/supervision.md).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import type { WorkersConfig } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { StartupError } from '../startup-error.js';
import { BootBackoff } from './boot-backoff.js';
import { faultLogPath } from './fault-log.js';
import { ForkSocket } from './fork-socket.js';
import { spawnError, type Launcher, type LauncherEvents } from './launcher.js';
import { encodeFrame, FrameDecoder, FrameType, type Frame } from './protocol/frames.js';
import { decodeLogPayload } from './protocol/messages.js';
import { APP_LOAD_ERROR } from './worker.js';
import { ForkedProcess } from './forked-process.js';
import { encodeConfigFrame, spawnPython, type WorkerProcess } from './worker-process.js';

export interface ZygoteOptions {
  readonly config: WorkersConfig;
  readonly scratchDir: string;
  readonly stallMs: number;
  readonly multiprocess: boolean;
  readonly reportModules: boolean;
}

interface Launch {
  readonly markPath: string;
  readonly adopt: (process: WorkerProcess) => void;
}

/** How long a dead zygote's children get to close their sockets before their exit is reported anyway. */
const ORPHAN_EXIT_MS = 1000;
let nextZygote = 1;

export class Zygote implements Launcher {
  readonly #options: ZygoteOptions;
  readonly #log: Logger;
  readonly #events: LauncherEvents;
  readonly #forkSocket: ForkSocket;
  readonly #backoff = new BootBackoff();
  readonly #queued: Launch[] = [];
  readonly #pending = new Map<string, Launch>();
  readonly #children = new Map<number, ForkedProcess>();
  #process: WorkerProcess | null = null;
  #bootTimer: NodeJS.Timeout | null = null;
  #socket: Socket | null = null;
  #decoder = new FrameDecoder();
  #isReady = false;
  #hasEverBeenReady = false;
  #isClosing = false;
  #isKilled = false;
  #onClosed: () => void = () => {};
  readonly #closed = new Promise<void>((resolve) => {
    this.#onClosed = resolve;
  });

  constructor(options: ZygoteOptions, log: Logger, events: LauncherEvents) {
    this.#options = options;
    this.#log = log;
    this.#events = events;
    this.#forkSocket = new ForkSocket(join(options.scratchDir, `fork-${nextZygote++}.sock`), options.config.bootTimeoutMs);
    this.#forkSocket.listen().then(
      () => this.#boot(),
      (error: Error) => events.bootFailed(new StartupError('XGI_FORK_SOCKET', `cannot listen on the fork socket: ${error.message}`)),
    );
  }

  launch(markPath: string, adopt: (process: WorkerProcess) => void): void {
    if (this.#isClosing || this.#isKilled) return;
    const launch = { markPath, adopt };
    if (this.#isReady) this.#fork(launch);
    else this.#queued.push(launch);
  }

  close(): Promise<void> {
    this.#isClosing = true;
    this.#queued.length = 0;
    this.#stopIfDone();
    return this.#closed;
  }

  kill(): void {
    this.#isKilled = true;
    this.#process?.kill('SIGKILL');
    if (this.#process === null) this.#finish();
  }

  #boot(): void {
    if (this.#isClosing || this.#isKilled) {
      this.#finish();
      return;
    }
    const process = spawnPython(this.#options.config);
    this.#process = process;
    this.#decoder = new FrameDecoder();
    if (process.pid > 0) this.#log.info(`Booting zygote with pid: ${process.pid}`, process.pid);
    const { bootTimeoutMs } = this.#options.config;
    this.#bootTimer = setTimeout(() => {
      this.#log.error(`Zygote (pid:${process.pid}) did not boot within ${bootTimeoutMs / 1000}s (--worker-boot-timeout)`);
      process.kill('SIGKILL');
    }, bootTimeoutMs);
    this.#bootTimer.unref();
    process.attach({
      connected: (socket) => this.#onConnected(socket),
      exited: (code, signal) => this.#onExit(process, code, signal),
      spawnFailed: (error) => {
        this.#process = null;
        this.#events.bootFailed(spawnError(this.#options.config, error));
      },
    });
  }

  #onConnected(socket: Socket): void {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => socket.destroy());
    const { config, stallMs, multiprocess, reportModules } = this.#options;
    socket.write(encodeConfigFrame(config, {
      stallMs, multiprocess, reportModules, startedMark: null, faultLog: null, forkSocket: this.#forkSocket.path,
    }));
  }

  #fork(launch: Launch): void {
    const token = randomBytes(16).toString('hex');
    this.#pending.set(token, launch);
    this.#forkSocket.allow(token);
    const payload = JSON.stringify({ token, startedMark: launch.markPath, faultLog: faultLogPath(launch.markPath) });
    this.#socket?.write(encodeFrame(FrameType.FORK, 0, 0, Buffer.from(payload)));
  }

  #onData(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.#decoder.push(chunk);
    } catch (error) {
      this.#log.error(`zygote ${this.#process?.pid}: ${(error as Error).message}; killing it`);
      this.#process?.kill('SIGKILL');
      return;
    }
    for (const frame of frames) this.#onFrame(frame);
  }

  #onFrame(frame: Frame): void {
    const pid = this.#process?.pid ?? 0;
    switch (frame.type) {
      case FrameType.READY:
        if (this.#bootTimer !== null) clearTimeout(this.#bootTimer);
        this.#isReady = true;
        this.#hasEverBeenReady = true;
        this.#backoff.succeeded();
        for (const launch of this.#queued.splice(0)) this.#fork(launch);
        return;
      case FrameType.BOOT_ERROR: {
        const text = frame.payload.toString('utf8');
        if (this.#hasEverBeenReady) this.#log.error(`zygote ${pid}: ${text}`, pid);
        else this.#events.bootError(text);
        return;
      }
      case FrameType.LOG: {
        const { level, text } = decodeLogPayload(frame.payload);
        this.#log.log(level, text, pid);
        return;
      }
      case FrameType.MODULES:
        this.#events.modules(frame.payload.toString('utf8').split('\0').filter((file) => file !== ''));
        return;
      case FrameType.FORKED:
        this.#onForked(JSON.parse(frame.payload.toString('utf8')) as { token: string; pid: number });
        return;
      case FrameType.CHILD_EXIT:
        this.#onChildExit(JSON.parse(frame.payload.toString('utf8')) as { pid: number; code: number | null; signal: string | null });
        return;
      case FrameType.PONG:
        return;
      default:
        this.#log.error(`zygote ${pid}: unexpected frame type 0x${frame.type.toString(16)}; killing it`);
        this.#process?.kill('SIGKILL');
    }
  }

  #onForked({ token, pid }: { token: string; pid: number }): void {
    const launch = this.#pending.get(token);
    if (launch === undefined) return;
    this.#pending.delete(token);
    const child = new ForkedProcess(pid);
    this.#children.set(pid, child);
    this.#forkSocket.claim(token, (socket, head) => child.connect(socket, head));
    launch.adopt(child);
  }

  #onChildExit({ pid, code, signal }: { pid: number; code: number | null; signal: string | null }): void {
    const child = this.#children.get(pid);
    if (child === undefined) return;
    this.#children.delete(pid);
    child.exit(code, signal as NodeJS.Signals | null);
    this.#stopIfDone();
  }

  /** Closing, and the last child is gone: the zygote may go (its children would die with it). */
  #stopIfDone(): void {
    if (!this.#isClosing || this.#children.size > 0) return;
    if (this.#socket !== null && !this.#socket.destroyed) this.#socket.write(encodeFrame(FrameType.STOP, 0, 0));
    else if (this.#process === null) this.#finish();
  }

  #onExit(process: WorkerProcess, code: number | null, signal: NodeJS.Signals | null): void {
    const wasReady = this.#isReady;
    this.#isReady = false;
    if (this.#bootTimer !== null) clearTimeout(this.#bootTimer);
    this.#socket?.destroy();
    this.#socket = null;
    this.#process = null;
    for (const child of this.#children.values()) child.die(ORPHAN_EXIT_MS);
    this.#children.clear();
    for (const [token, launch] of this.#pending) {
      this.#forkSocket.forget(token);
      this.#queued.push(launch); // asked for, never forked: the next zygote forks it
    }
    this.#pending.clear();
    const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
    if (this.#isClosing || this.#isKilled) {
      this.#log.info(`Zygote (pid:${process.pid}) ${how}`, process.pid);
      this.#finish();
      return;
    }
    if (!this.#hasEverBeenReady) {
      if (code !== APP_LOAD_ERROR) {
        this.#events.bootFailed(new StartupError('XGI_WORKER_BOOT_ERROR', `zygote ${process.pid} ${how} during boot; see the lines above`));
      }
      return;
    }
    // A zygote that was serving is restarted at once; one that keeps dying at boot, with back-off.
    const delay = wasReady ? 0 : this.#backoff.failed(performance.now());
    this.#log.error(`Zygote (pid:${process.pid}) ${how}; its workers died with it; restarting it` +
      (delay > 0 ? ` in ${delay / 1000}s` : ''), process.pid);
    setTimeout(() => this.#boot(), delay).unref();
  }

  #finish(): void {
    this.#forkSocket.close();
    this.#onClosed();
  }
}
