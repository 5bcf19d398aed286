/**
 * One Python worker process, front side: spawn it with the app's
 * interpreter, hand it CONFIG, wait for READY, then carry streams over its
 * socket. Frames written during one event-loop turn leave in one write.
 * It does not decide which worker gets a request (pool.ts) nor when to
 * replace one (arbiter.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Socket } from 'node:net';
import type { WorkersConfig } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { FrameDecoder, FrameType, encodeFrame, END, type Frame } from './protocol/frames.js';
import { decodeLogPayload } from './protocol/messages.js';

export const WORKER_PACKAGE = fileURLToPath(new URL('../../python/_xgi_worker', import.meta.url));
/** Exit codes of the Python worker (python/_xgi_worker/worker.py). */
export const WORKER_BOOT_ERROR = 3;
export const APP_LOAD_ERROR = 4;

/** What a stream's owner (the WSGI gateway) is told about its stream. */
export interface StreamSink {
  /** True while the stream waits for its client to take bytes (not the worker's fault). */
  readonly isBlockedOnClient: boolean;
  onFrame(frame: Frame): void;
  /** The worker died or was killed with this stream in flight. */
  onWorkerLost(reason: WorkerLoss): void;
}

export type WorkerLoss = 'crashed' | 'timeout';

export interface WorkerEvents {
  ready(worker: Worker): void;
  bootError(worker: Worker, text: string): void;
  exit(worker: Worker, code: number | null, signal: NodeJS.Signals | null): void;
  /** The process could not be started at all (e.g. ENOENT: no such interpreter). */
  spawnFailed(worker: Worker, error: NodeJS.ErrnoException): void;
  /** A stream ended (END, ABORT or HANDBACK): a slot is free. */
  streamDone(worker: Worker): void;
}

export type WorkerState = 'booting' | 'ready' | 'stopping' | 'exited';

let nextStreamId = 1;

export class Worker {
  readonly pid: number;
  readonly #child: ChildProcess;
  readonly #socket: Socket;
  readonly #log: Logger;
  readonly #events: WorkerEvents;
  readonly #decoder = new FrameDecoder();
  readonly #streams = new Map<number, { sink: StreamSink; sentAt: number }>();
  #outgoing: Buffer[] = [];
  #isFlushScheduled = false;
  #state: WorkerState = 'booting';
  /** performance.now() of the last frame from this worker. */
  lastHeardAt = performance.now();
  requestsServed = 0;
  hasBeenReady = false;

  constructor(options: { config: WorkersConfig; stallMs: number; multiprocess: boolean }, log: Logger, events: WorkerEvents) {
    const { config } = options;
    this.#log = log;
    this.#events = events;
    this.#child = spawn(config.python, [WORKER_PACKAGE], {
      cwd: config.chdir,
      env: { ...config.inheritedEnv, ...config.env },
      stdio: ['ignore', 'inherit', 'inherit', 'pipe'],
      detached: true, // its own process group: a timeout kills everything it started
    });
    this.pid = this.#child.pid ?? -1;
    this.#socket = this.#child.stdio[3] as Socket;
    this.#socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    this.#socket.on('error', () => this.#socket.destroy()); // the exit event reports the death
    this.#child.on('exit', (code, signal) => this.#onExit(code, signal));
    this.#child.on('error', (error) => this.#onSpawnError(error));
    this.send(encodeFrame(FrameType.CONFIG, 0, 0, Buffer.from(JSON.stringify({
      app: config.app,
      pythonPath: [...config.pythonPath, config.chdir],
      threads: config.threads,
      multiprocess: options.multiprocess,
      stallMs: options.stallMs,
      responseWindowBytes: config.responseWindowBytes,
      serverSoftware: config.serverSoftware,
    }))));
  }

  get state(): WorkerState {
    return this.#state;
  }

  get inFlight(): number {
    return this.#streams.size;
  }

  /** performance.now() when the oldest unanswered stream was sent, or Infinity. */
  get oldestSentAt(): number {
    for (const entry of this.#streams.values()) return entry.sentAt; // Map keeps insertion order
    return Infinity;
  }

  /**
   * True when the worker has had a request for longer than limitMs and has
   * said nothing for that long, while no stream waits on a slow client.
   */
  isSilentFor(limitMs: number, now: number): boolean {
    if (this.#streams.size === 0 || now - this.lastHeardAt < limitMs) return false;
    for (const { sink, sentAt } of this.#streams.values()) {
      if (sink.isBlockedOnClient) return false;
      if (now - sentAt >= limitMs) return true;
    }
    return false;
  }

  /**
   * True when `threads` streams have each been out longer than stallMs: every
   * thread of the worker is busy with a slow request (or a slow client), so
   * a new request would wait behind one of them.
   */
  isStalled(now: number, stallMs: number, threads: number): boolean {
    if (this.#streams.size < threads) return false;
    let old = 0;
    // Map order is send order: stop at the first stream still young.
    for (const { sentAt } of this.#streams.values()) {
      if (now - sentAt <= stallMs) return false;
      if (++old >= threads) return true;
    }
    return false;
  }

  /** A fresh stream id for a request about to go to this worker. */
  openStream(sink: StreamSink): number {
    const id = nextStreamId;
    nextStreamId = nextStreamId >= 0xffffffff ? 1 : nextStreamId + 1;
    this.#streams.set(id, { sink, sentAt: performance.now() });
    return id;
  }

  /** Queue a frame; everything queued in this event-loop turn goes out in one write. */
  send(frame: Buffer): void {
    if (this.#state === 'exited') return;
    this.#outgoing.push(frame);
    if (!this.#isFlushScheduled) {
      this.#isFlushScheduled = true;
      setImmediate(this.#flush);
    }
  }

  readonly #flush = (): void => {
    this.#isFlushScheduled = false;
    const frames = this.#outgoing;
    if (frames.length === 0 || this.#socket.destroyed) return;
    this.#outgoing = [];
    this.#socket.write(frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames));
  };

  /** Ask the worker to finish its streams and exit. */
  stop(): void {
    if (this.#state === 'exited' || this.#state === 'stopping') return;
    this.#state = 'stopping';
    this.send(encodeFrame(FrameType.STOP, 0, 0));
  }

  /** Kill the worker's whole process group. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.#state === 'exited' || this.pid <= 0) return;
    try {
      process.kill(-this.pid, signal);
    } catch {
      try {
        this.#child.kill(signal);
      } catch {
        // already gone: the exit event is on its way
      }
    }
  }

  /** Fail every stream in flight (the worker is being killed). */
  failStreams(reason: WorkerLoss): void {
    const streams = [...this.#streams.values()];
    this.#streams.clear();
    for (const { sink } of streams) sink.onWorkerLost(reason);
  }

  /** Forget a stream the front gave up on (its END/ABORT may still come). */
  hasStream(id: number): boolean {
    return this.#streams.has(id);
  }

  #onData(chunk: Buffer): void {
    this.lastHeardAt = performance.now();
    let frames: Frame[];
    try {
      frames = this.#decoder.push(chunk);
    } catch (error) {
      this.#log.error(`worker ${this.pid}: ${(error as Error).message}; killing it`);
      this.kill();
      return;
    }
    for (const frame of frames) this.#onFrame(frame);
  }

  #onFrame(frame: Frame): void {
    if (frame.stream === 0) {
      this.#onConnectionFrame(frame);
      return;
    }
    const entry = this.#streams.get(frame.stream);
    if (frame.type === FrameType.LOG) {
      const { level, text } = decodeLogPayload(frame.payload);
      this.#log.log(level, text, this.pid);
      return;
    }
    if (entry === undefined) return; // a stream the front already failed
    const isDone =
      frame.type === FrameType.ABORT ||
      frame.type === FrameType.HANDBACK ||
      ((frame.type === FrameType.RESPONSE || frame.type === FrameType.DATA) && (frame.flags & END) !== 0);
    if (isDone) {
      this.#streams.delete(frame.stream);
      if (frame.type !== FrameType.HANDBACK) this.requestsServed++;
    }
    entry.sink.onFrame(frame);
    if (isDone) this.#events.streamDone(this);
  }

  #onConnectionFrame(frame: Frame): void {
    switch (frame.type) {
      case FrameType.READY:
        this.hasBeenReady = true;
        if (this.#state === 'booting') this.#state = 'ready';
        this.#events.ready(this);
        return;
      case FrameType.BOOT_ERROR:
        this.#events.bootError(this, frame.payload.toString('utf8'));
        return;
      case FrameType.LOG: {
        const { level, text } = decodeLogPayload(frame.payload);
        this.#log.log(level, text, this.pid);
        return;
      }
      case FrameType.PONG:
        return;
      default:
        this.#log.error(`worker ${this.pid}: unexpected frame type 0x${frame.type.toString(16)} on stream 0; killing it`);
        this.kill();
    }
  }

  #onSpawnError(error: NodeJS.ErrnoException): void {
    if (this.#state === 'exited') return;
    if (this.pid > 0) {
      this.#log.error(`worker ${this.pid}: ${error.message}`);
      return; // a running child: its exit event follows
    }
    this.#state = 'exited';
    this.#socket?.destroy();
    this.failStreams('crashed');
    this.#events.spawnFailed(this, error);
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.#state = 'exited';
    this.#socket.destroy();
    this.failStreams('crashed');
    this.#events.exit(this, code, signal);
  }
}
