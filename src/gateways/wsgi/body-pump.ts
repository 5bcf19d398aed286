/**
 * The request body, pulled from the client only as fast as the app reads it:
 * the worker grants bytes (READ), the pump forwards at most that many and
 * pauses the client's stream until the next grant. This is the backpressure
 * that lets a 10 GB upload through in bounded memory.
 */
import type { IncomingMessage } from 'node:http';

/** Body frames stay small so a grant is answered in pieces. */
const MAX_CHUNK_BYTES = 256 * 1024;

export type BodySink = (chunk: Buffer, isLast: boolean) => void;

export class BodyPump {
  readonly #req: IncomingMessage;
  readonly #sink: BodySink;
  #held: Buffer[] = [];
  #heldBytes = 0;
  #granted = 0;
  #isEnded = false;
  #isStopped = false;
  #isFinished = false;

  /** `head` is what the front had already read before it chose to stream. */
  constructor(req: IncomingMessage, head: Buffer, sink: BodySink) {
    this.#req = req;
    this.#sink = sink;
    if (head.length > 0) {
      this.#held.push(head);
      this.#heldBytes = head.length;
    }
    if (req.readableEnded || req.complete && req.readableLength === 0) this.#isEnded = true;
    req.on('data', this.#onData);
    req.once('end', this.#onEnd);
    req.pause();
  }

  /** The app asked for bytes the client has not sent yet: the wait is the client's, not the app's. */
  get isWaitingOnClient(): boolean {
    return this.#granted > 0 && this.#heldBytes === 0 && !this.#isEnded && !this.#isStopped && !this.#isFinished;
  }

  grant(bytes: number): void {
    if (this.#isStopped || this.#isFinished) return;
    this.#granted += bytes;
    this.#forward();
  }

  /** The exchange is over: stop reading (node:http discards the rest). */
  stop(): void {
    if (this.#isStopped) return;
    this.#isStopped = true;
    this.#req.off('data', this.#onData);
    this.#req.off('end', this.#onEnd);
    this.#held = [];
    this.#heldBytes = 0;
    this.#req.resume();
  }

  readonly #onData = (chunk: Buffer): void => {
    this.#held.push(chunk);
    this.#heldBytes += chunk.length;
    this.#forward();
  };

  readonly #onEnd = (): void => {
    this.#isEnded = true;
    this.#forward();
  };

  #forward(): void {
    while (this.#granted > 0 && this.#heldBytes > 0) {
      const first = this.#held[0] as Buffer;
      const n = Math.min(first.length, this.#granted, MAX_CHUNK_BYTES);
      const piece = n === first.length ? first : first.subarray(0, n);
      if (n === first.length) this.#held.shift();
      else this.#held[0] = first.subarray(n);
      this.#heldBytes -= n;
      this.#granted -= n;
      const isLast = this.#isEnded && this.#heldBytes === 0;
      this.#sink(piece, isLast);
      if (isLast) {
        this.#isFinished = true;
        return;
      }
    }
    if (this.#isEnded && this.#heldBytes === 0 && !this.#isFinished) {
      this.#isFinished = true;
      this.#sink(Buffer.alloc(0), true);
      return;
    }
    // Read from the client only while the app has room for it.
    if (this.#granted > 0 && !this.#isEnded) this.#req.resume();
    else this.#req.pause();
  }
}
