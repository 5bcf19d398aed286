/**
 * One Python worker, front side: hand it CONFIG (unless the zygote forked
 * it), wait for READY, then carry streams over its socket. Frames written
 * during one event-loop turn leave in one write. When the process is gone,
 * the streams it had started fail and the ones it never started go back to
 * the pool (started-mark.ts).
 *
 * It does not start the process (worker-process.ts, zygote.ts), decide which
 * worker gets a request (pool.ts) nor when to replace one (arbiter.ts).
 */
import type { Socket } from 'node:net';
import type { WorkersConfig } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { faultLogPath, takeFaultLog } from './fault-log.js';
import { FrameDecoder, FrameType, END, encodeFrame, type Frame } from './protocol/frames.js';
import { decodeLogPayload } from './protocol/messages.js';
import { EVERYTHING_STARTED, readMark, removeMark } from './started-mark.js';
import { StreamTable } from './stream-table.js';
import { afterLastFrames, encodeConfigFrame, type WorkerProcess } from './worker-process.js';

/** Exit codes of the Python worker (python/_xgi_worker/worker.py). */
export const WORKER_BOOT_ERROR = 3;
export const APP_LOAD_ERROR = 4;

/** What a stream's owner (the WSGI gateway) is told about its stream. */
export interface StreamSink {
  /** True while the stream waits for its client to take bytes (not the worker's fault). */
  readonly isBlockedOnClient: boolean;
  onFrame(frame: Frame): void;
  /**
   * The worker died or was killed with this stream started; `how` says so
   * for the log (`worker 123 was killed by SIGSEGV`).
   */
  onWorkerLost(reason: WorkerLoss, how: string): void;
}

export type WorkerLoss = 'crashed' | 'timeout';

/** A flush this small is joined into one buffer (cheaper than a writev of many small pieces). */
const JOIN_MAX_BYTES = 16 * 1024;

export interface WorkerEvents {
  ready(worker: Worker): void;
  bootError(worker: Worker, text: string): void;
  exit(worker: Worker, code: number | null, signal: NodeJS.Signals | null): void;
  /** The process could not be started at all (e.g. ENOENT: no such interpreter). */
  spawnFailed(worker: Worker, error: NodeJS.ErrnoException): void;
  /** A stream ended (END, ABORT or HANDBACK): a slot is free. */
  streamDone(worker: Worker): void;
  /** MODULES: the Python files the app has loaded (`--reload`). */
  modules(worker: Worker, files: readonly string[]): void;
}

export type WorkerState = 'booting' | 'ready' | 'stopping' | 'exited';

export interface WorkerOptions {
  readonly process: WorkerProcess;
  readonly config: WorkersConfig;
  /** Which reload generation it belongs to (arbiter.ts). */
  readonly generation: number;
  readonly stallMs: number;
  readonly multiprocess: boolean;
  readonly markPath: string;
  readonly reportModules: boolean;
  /** Recycle after this many requests (`--max-requests` plus jitter); Infinity for never. */
  readonly maxRequests: number;
  /** Recycle at this performance.now() (`--max-worker-lifetime` plus jitter); Infinity for never. */
  readonly retireAt: number;
}

/** How long the frames a dead worker wrote may take to be read after its exit is known. */
const EXIT_DRAIN_MS = 1000;
const NO_PAYLOAD = Buffer.alloc(0);

export class Worker {
  readonly pid: number;
  readonly generation: number;
  readonly maxRequests: number;
  readonly retireAt: number;
  readonly bornAt = performance.now();
  readonly #process: WorkerProcess;
  readonly #markPath: string;
  /** Where the worker's faulthandler writes (fault-log.ts). */
  readonly #faultPath: string;
  readonly #log: Logger;
  readonly #events: WorkerEvents;
  readonly #decoder = new FrameDecoder({ streamData: true }); // response bodies pass through uncopied
  readonly #streams = new StreamTable();
  #socket: Socket | null = null;
  #outgoing: Buffer[] = [];
  #outgoingBytes = 0;
  #isFlushScheduled = false;
  #state: WorkerState = 'booting';
  #isMurdered = false;
  /** performance.now() of the last frame from this worker. */
  lastHeardAt = performance.now();
  requestsServed = 0;
  hasBeenReady = false;

  constructor(options: WorkerOptions, log: Logger, events: WorkerEvents) {
    this.#process = options.process;
    this.pid = options.process.pid;
    this.generation = options.generation;
    this.maxRequests = options.maxRequests;
    this.retireAt = options.retireAt;
    this.#markPath = options.markPath;
    this.#faultPath = faultLogPath(options.markPath);
    this.#log = log;
    this.#events = events;
    if (options.process.needsConfig) {
      this.send(encodeConfigFrame(options.config, {
        stallMs: options.stallMs, multiprocess: options.multiprocess, startedMark: options.markPath,
        faultLog: this.#faultPath, reportModules: options.reportModules, forkSocket: null,
      }));
    }
    options.process.attach({
      connected: (socket, head) => this.#onConnected(socket, head),
      exited: (code, signal) => this.#onExit(code, signal),
      spawnFailed: (error) => this.#onSpawnFailed(error),
    });
  }

  get state(): WorkerState {
    return this.#state;
  }

  get inFlight(): number {
    return this.#streams.size;
  }

  get isMurdered(): boolean {
    return this.#isMurdered;
  }

  /** performance.now() when the oldest unanswered stream was sent, or Infinity. */
  get oldestSentAt(): number {
    return this.#streams.oldestSentAt;
  }

  /**
   * True when the worker has had a request for longer than limitMs and has
   * said nothing for that long, while no stream waits on a slow client.
   */
  isSilentFor(limitMs: number, now: number): boolean {
    return this.#streams.isSilentFor(limitMs, now, this.lastHeardAt);
  }

  /**
   * True when `threads` streams have each been out longer than stallMs: every
   * thread of the worker is busy with a slow request (or a slow client), so
   * a new request would wait behind one of them.
   */
  isStalled(now: number, stallMs: number, threads: number): boolean {
    return this.#streams.isStalled(now, stallMs, threads);
  }

  /** A fresh stream id for a request about to go to this worker. */
  openStream(sink: StreamSink): number {
    return this.#streams.open(sink);
  }

  /** Queue a frame; everything queued in this event-loop turn goes out in one write. */
  send(frame: Buffer): void {
    if (this.#state === 'exited') return;
    this.#outgoing.push(frame);
    this.#outgoingBytes += frame.length;
    if (!this.#isFlushScheduled && this.#socket !== null) {
      this.#isFlushScheduled = true;
      setImmediate(this.#flush);
    }
  }

  readonly #flush = (): void => {
    this.#isFlushScheduled = false;
    const frames = this.#outgoing;
    const socket = this.#socket;
    if (frames.length === 0 || socket === null || socket.destroyed) return;
    const bytes = this.#outgoingBytes;
    this.#outgoing = [];
    this.#outgoingBytes = 0;
    if (frames.length === 1) {
      socket.write(frames[0] as Buffer);
    } else if (bytes <= JOIN_MAX_BYTES) {
      socket.write(Buffer.concat(frames, bytes));
    } else {
      // Request bodies among them: one writev of the pieces, not a copy of
      // them all (every new buffer this size counts towards V8's next full GC).
      socket.cork();
      for (const frame of frames) socket.write(frame);
      socket.uncork();
    }
  };

  /** Ask the worker to finish its streams and exit. */
  stop(): void {
    if (this.#state === 'exited' || this.#state === 'stopping') return;
    this.#state = 'stopping';
    this.send(encodeFrame(FrameType.STOP, 0, 0));
  }

  /** Kill the worker's whole process group. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.#state === 'exited') return;
    this.#process.kill(signal);
  }

  /**
   * --timeout: the streams it started get 504 now; SIGABRT makes Python dump
   * where it hung, SIGKILL follows after abortGraceMs. The streams it never
   * started go to other workers once it is gone.
   */
  murder(abortGraceMs: number): void {
    if (this.#state === 'exited' || this.#isMurdered) return;
    this.#isMurdered = true;
    this.#failStarted('timeout', `worker ${this.pid} timed out (--timeout)`);
    this.kill('SIGABRT'); // faulthandler in the worker prints where it hung
    setTimeout(() => this.kill('SIGKILL'), abortGraceMs).unref();
  }

  /** False once the front gave up on the stream (its END/ABORT may still come). */
  hasStream(id: number): boolean {
    return this.#streams.has(id);
  }

  #onConnected(socket: Socket, head: Buffer): void {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => socket.destroy()); // the exit event reports the death
    socket.resume();
    if (this.#outgoing.length > 0 && !this.#isFlushScheduled) {
      this.#isFlushScheduled = true;
      setImmediate(this.#flush);
    }
    if (head.length > 0) this.#onData(head);
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
    const sink = this.#streams.get(frame.stream);
    if (frame.type === FrameType.LOG) {
      const { level, text } = decodeLogPayload(frame.payload);
      this.#log.log(level, text, this.pid);
      return;
    }
    if (sink === undefined) return; // a stream the front already failed
    const isDone =
      frame.type === FrameType.ABORT ||
      frame.type === FrameType.HANDBACK ||
      ((frame.type === FrameType.RESPONSE || frame.type === FrameType.DATA) && (frame.flags & END) !== 0);
    if (isDone) {
      this.#streams.delete(frame.stream);
      if (frame.type !== FrameType.HANDBACK) this.requestsServed++;
    }
    sink.onFrame(frame);
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
      case FrameType.MODULES:
        this.#events.modules(this, frame.payload.toString('utf8').split('\0').filter((file) => file !== ''));
        return;
      case FrameType.PONG:
        return;
      default:
        this.#log.error(`worker ${this.pid}: unexpected frame type 0x${frame.type.toString(16)} on stream 0; killing it`);
        this.kill();
    }
  }

  #onSpawnFailed(error: NodeJS.ErrnoException): void {
    if (this.#state === 'exited') return;
    this.#state = 'exited';
    this.#socket?.destroy();
    this.#failStarted('crashed', `worker ${this.pid} could not be started`);
    removeMark(this.#markPath);
    this.#events.spawnFailed(this, error);
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#state === 'exited') return;
    this.#state = 'exited';
    // The exit can be reported before its last frames are read (a worker that
    // answered, then exited on STOP): read them first.
    afterLastFrames(this.#socket, EXIT_DRAIN_MS, () => this.#settle(code, signal));
  }

  #settle(code: number | null, signal: NodeJS.Signals | null): void {
    this.#events.exit(this, code, signal); // out of the pool before its streams go back to it
    const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
    this.#failStarted(this.#isMurdered ? 'timeout' : 'crashed', `worker ${this.pid} ${how}`);
    this.#handBackUnstarted();
    removeMark(this.#markPath);
    this.#logFaults();
  }

  /** The streams at or below the started mark: the app had them; they fail. */
  #failStarted(reason: WorkerLoss, how: string): void {
    const mark = this.#streams.hasWrapped ? EVERYTHING_STARTED : readMark(this.#markPath);
    for (const sink of this.#streams.takeStarted(mark)) sink.onWorkerLost(reason, how);
  }

  /** What Python's faulthandler wrote as the worker died (SIGABRT of a timeout, SIGSEGV, ...), into the error log. */
  #logFaults(): void {
    const text = takeFaultLog(this.#faultPath);
    if (text !== '') this.#log.error(`Worker (pid:${this.pid}) fault dump:\n${text}`, this.pid);
  }

  /** The process is gone: the streams it never started go to other workers, as if handed back. */
  #handBackUnstarted(): void {
    const unstarted = this.#streams.takeAll();
    if (unstarted.length === 0) return;
    this.#log.info(`worker ${this.pid}: ${unstarted.length} request(s) it had not started go to other workers`, this.pid);
    for (const [id, sink] of unstarted) sink.onFrame({ type: FrameType.HANDBACK, flags: 0, stream: id, payload: NO_PAYLOAD });
  }
}
