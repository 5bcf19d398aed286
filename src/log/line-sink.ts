/**
 * One log destination with line batching: a file opened for append, or a
 * stream we do not own (stdout, stderr). Lines written during one event-loop
 * turn are joined and handed to the stream in one write at setImmediate, so
 * a burst of access lines costs one syscall, not one per line, and a caller
 * never waits on I/O. A file sink can be reopened by path (SIGUSR1 after
 * logrotate renamed it); close() flushes, ends file streams and leaves
 * streams it was given open. A write error is reported once per stream and
 * the sink then drops lines until reopen().
 */
import { createWriteStream, openSync } from 'node:fs';
import { finished } from 'node:stream/promises';

/** Called once per failing stream with the sink's name (a path, `<stdout>`, `<stderr>`). */
export type SinkErrorHandler = (name: string, error: Error) => void;

interface SinkTarget {
  readonly name: string;
  readonly stream: NodeJS.WritableStream;
  /** Set for files: reopen() and close() act on them. */
  readonly path: string | null;
}

export class LineSink {
  readonly name: string;
  readonly #path: string | null;
  readonly #onError: SinkErrorHandler;
  #stream: NodeJS.WritableStream;
  #detach: () => void;
  #pending: string[] = [];
  #isScheduled = false;
  #isBroken = false;
  #isClosed = false;
  /** Streams replaced by reopen() that are still finishing their last writes. */
  readonly #retiring: Promise<void>[] = [];

  constructor(target: SinkTarget, onError: SinkErrorHandler) {
    this.name = target.name;
    this.#path = target.path;
    this.#onError = onError;
    this.#stream = target.stream;
    this.#detach = this.#watch(target.stream);
  }

  /** Queues one line (with its newline); it is written on the next turn. */
  write(line: string): void {
    if (this.#isClosed) return;
    this.#pending.push(line);
    if (!this.#isScheduled) {
      this.#isScheduled = true;
      setImmediate(this.#flush);
    }
  }

  /** Files only: write what is queued to the old file, then open the path anew. */
  reopen(): void {
    if (this.#path === null || this.#isClosed) return;
    this.#writePending();
    let stream: NodeJS.WritableStream;
    try {
      stream = openAppendStream(this.#path);
    } catch (error) {
      this.#onError(this.name, asError(error));
      return; // keep writing to the old file rather than lose lines
    }
    const old = this.#stream;
    this.#stream = stream;
    this.#detach = this.#watch(stream);
    this.#isBroken = false;
    old.end();
    this.#retiring.push(settle(old));
  }

  /** Writes what is queued; ends a file stream; resolves once it is all handed over. */
  async close(): Promise<void> {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#writePending();
    if (this.#path === null) {
      if (!this.#isBroken) await handOver(this.#stream);
      this.#detach();
    } else {
      this.#stream.end();
      await settle(this.#stream);
    }
    await Promise.all(this.#retiring);
  }

  readonly #flush = (): void => {
    this.#isScheduled = false;
    this.#writePending();
  };

  #writePending(): void {
    if (this.#pending.length === 0) return;
    const chunk = this.#pending.length === 1 ? this.#pending[0]! : this.#pending.join('');
    this.#pending = [];
    if (!this.#isBroken) this.#stream.write(chunk);
  }

  /** Listens for write errors on one stream; returns the function that stops listening. */
  #watch(stream: NodeJS.WritableStream): () => void {
    let isReported = false;
    const listener = (error: Error): void => {
      if (stream === this.#stream) this.#isBroken = true;
      if (isReported) return;
      isReported = true;
      this.#onError(this.name, error);
    };
    stream.on('error', listener);
    return () => stream.removeListener('error', listener);
  }
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/**
 * Opens a file for append synchronously, so a path that cannot be written
 * fails here with its errno (at start-up, or in reopen()) and not later.
 */
function openAppendStream(path: string): NodeJS.WritableStream {
  const fd = openSync(path, 'a');
  return createWriteStream(path, { fd, flags: 'a' });
}

/** Resolves when everything written to a stream before now has been handed to the OS. */
function handOver(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}

/** Waits until an ended stream has finished; its error listener reported any failure. */
async function settle(stream: NodeJS.WritableStream): Promise<void> {
  try {
    await finished(stream);
  } catch {
    // already reported once by the sink's error listener (#watch)
  }
}

/** A sink that appends to the file at `path`, creating it; throws if it cannot be opened. */
export function openFileSink(path: string, onError: SinkErrorHandler): LineSink {
  return new LineSink({ name: path, stream: openAppendStream(path), path }, onError);
}

/** A sink over a stream the caller owns (stdout, stderr): never ended or reopened. */
export function wrapStreamSink(
  name: string,
  stream: NodeJS.WritableStream,
  onError: SinkErrorHandler,
): LineSink {
  return new LineSink({ name, stream, path: null }, onError);
}
