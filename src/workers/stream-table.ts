/**
 * The streams in flight on one worker, in sending order: their ids (1, 2, 3
 * ... per worker, which is what lets the started mark be one number), when
 * each was sent, and the questions the pool and the arbiter ask of them
 * (how old, stalled, silent). Once the worker is gone, `settle` splits them
 * by the started mark.
 */
import type { StreamSink } from './worker.js';

const MAX_STREAM_ID = 0xffffffff;

interface Entry {
  readonly sink: StreamSink;
  readonly sentAt: number;
}

export class StreamTable {
  readonly #streams = new Map<number, Entry>();
  #nextId = 1;
  /** Set once the ids wrapped: they no longer follow sending order. */
  #hasWrapped = false;

  get size(): number {
    return this.#streams.size;
  }

  get hasWrapped(): boolean {
    return this.#hasWrapped;
  }

  /** performance.now() when the oldest unanswered stream was sent, or Infinity. */
  get oldestSentAt(): number {
    for (const entry of this.#streams.values()) return entry.sentAt; // Map keeps insertion order
    return Infinity;
  }

  open(sink: StreamSink): number {
    const id = this.#nextId;
    if (id >= MAX_STREAM_ID) {
      this.#nextId = 1;
      this.#hasWrapped = true;
    } else {
      this.#nextId = id + 1;
    }
    this.#streams.set(id, { sink, sentAt: performance.now() });
    return id;
  }

  get(id: number): StreamSink | undefined {
    return this.#streams.get(id)?.sink;
  }

  has(id: number): boolean {
    return this.#streams.has(id);
  }

  delete(id: number): void {
    this.#streams.delete(id);
  }

  /**
   * True when there has been a stream out for longer than limitMs and the
   * worker has said nothing for that long, while no stream waits on a slow client.
   */
  isSilentFor(limitMs: number, now: number, lastHeardAt: number): boolean {
    if (this.#streams.size === 0 || now - lastHeardAt < limitMs) return false;
    for (const { sink, sentAt } of this.#streams.values()) {
      if (sink.isBlockedOnClient) return false;
      if (now - sentAt >= limitMs) return true;
    }
    return false;
  }

  /** True when `threads` streams have each been out longer than stallMs. */
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

  /** Take out the streams at or below `mark` (the app had them). */
  takeStarted(mark: number): StreamSink[] {
    const started: StreamSink[] = [];
    for (const [id, { sink }] of this.#streams) {
      if (id > mark) continue;
      this.#streams.delete(id);
      started.push(sink);
    }
    return started;
  }

  /** Take out every stream left: [id, sink]. */
  takeAll(): Array<[number, StreamSink]> {
    const all = [...this.#streams].map(([id, { sink }]): [number, StreamSink] => [id, sink]);
    this.#streams.clear();
    return all;
  }
}
